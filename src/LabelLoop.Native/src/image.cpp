// Image decoding with Debian's libstb: kept free of torch headers so it compiles in seconds.
#include "guard.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

// A 16k x 16k RGB image already needs 768 MiB before resizing; larger inputs are refused up
// front instead of letting a crafted header drive a huge allocation.
constexpr int64_t kMaxPixels = int64_t{1} << 28;

struct StbFree {
    void operator()(stbi_uc* p) const noexcept { stbi_image_free(p); }
};

// Decodes image `index` into out[0 .. channels*size*size). Returns an empty string on success,
// otherwise the reason (stb's failure text is thread-local in this stb version).
std::string decode_one(const uint8_t* bytes, int64_t length, int64_t index, int channels, int size,
                       float* out) {
    std::ostringstream why;
    if (length <= 0 || length > INT_MAX) {
        why << "image " << index << " has " << length << " bytes; expected 1.." << INT_MAX;
        return why.str();
    }
    const int len = static_cast<int>(length);
    int w = 0, h = 0, file_channels = 0;
    if (stbi_info_from_memory(bytes, len, &w, &h, &file_channels) == 0) {
        why << "image " << index << " is corrupt or of an unknown format (" << stbi_failure_reason()
            << ")";
        return why.str();
    }
    if (w <= 0 || h <= 0 || int64_t{w} * h > kMaxPixels) {
        why << "image " << index << " is " << w << "x" << h << " pixels; the limit is " << kMaxPixels
            << " pixels";
        return why.str();
    }
    std::unique_ptr<stbi_uc, StbFree> pixels(
        stbi_load_from_memory(bytes, len, &w, &h, &file_channels, channels));
    if (!pixels) {
        why << "image " << index << " could not be decoded (" << stbi_failure_reason() << ")";
        return why.str();
    }
    std::vector<unsigned char> resized(static_cast<size_t>(size) * size * channels);
    if (w == size && h == size) {
        std::copy_n(pixels.get(), resized.size(), resized.begin());
    } else if (stbir_resize_uint8(pixels.get(), w, h, 0, resized.data(), size, size, 0, channels) ==
               0) {
        why << "image " << index << " could not be resized from " << w << "x" << h;
        return why.str();
    }
    // stb yields interleaved HWC bytes; the models read planar CHW floats.
    const size_t plane = static_cast<size_t>(size) * size;
    for (size_t p = 0; p < plane; ++p) {
        for (int c = 0; c < channels; ++c) {
            out[c * plane + p] = static_cast<float>(resized[p * channels + c]) * (1.0f / 255.0f);
        }
    }
    return {};
}

}  // namespace

extern "C" LL_API ll_status ll_image_decode(const uint8_t* data, int64_t n_bytes,
                                            const int64_t* lengths, int64_t n_images,
                                            int32_t channels, int32_t size, float* out,
                                            int64_t capacity, int64_t* written) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(n_images > 0, "n_images is ", n_images, "; a batch needs at least one image");
        ll::require(lengths != nullptr, "lengths must not be NULL");
        ll::require(out != nullptr && written != nullptr, "out and written must not be NULL");
        ll::require(channels == 1 || channels == 3, "channels is ", channels, "; expected 1 or 3");
        ll::require(size >= 1 && size <= 4096, "size is ", size, "; expected 1..4096");
        int64_t total = 0;
        for (int64_t i = 0; i < n_images; ++i) {
            ll::require(lengths[i] > 0, "image ", i, " has length ", lengths[i],
                        "; every image needs at least one byte");
            total += lengths[i];
            ll::require(total <= n_bytes, "the image lengths add up to more than n_bytes (",
                        n_bytes, ")");
        }
        ll::require(total == n_bytes, "the image lengths add up to ", total, " but n_bytes is ",
                    n_bytes);
        ll::require(data != nullptr, "data must not be NULL");
        const int64_t per_image = int64_t{channels} * size * size;
        const int64_t needed = per_image * n_images;
        ll::require(capacity >= needed, "out holds ", capacity, " floats but ", n_images,
                    " images x ", channels, "x", size, "x", size, " need ", needed);

        std::vector<int64_t> offsets(static_cast<size_t>(n_images));
        for (int64_t i = 1; i < n_images; ++i) {
            offsets[i] = offsets[i - 1] + lengths[i - 1];
        }
        // Images are independent, so workers pull indices from a shared counter. The lowest
        // failing index is reported, which keeps the message independent of scheduling.
        std::atomic<int64_t> next{0};
        std::mutex error_mutex;
        int64_t first_bad = n_images;
        std::string first_error;
        auto work = [&] {
            for (int64_t i = next++; i < n_images; i = next++) {
                std::string error;
                // An exception must not leave a worker thread: that would terminate the process.
                try {
                    error = decode_one(data + offsets[i], lengths[i], i, channels, size,
                                       out + i * per_image);
                } catch (...) {
                    error = "image " + std::to_string(i) + " could not be decoded (out of memory)";
                }
                if (!error.empty()) {
                    std::lock_guard<std::mutex> lock(error_mutex);
                    if (i < first_bad) {
                        first_bad = i;
                        first_error = std::move(error);
                    }
                }
            }
        };
        const int64_t hw = std::max<int64_t>(1, std::thread::hardware_concurrency());
        const int64_t n_workers = std::min<int64_t>({hw, 16, (n_images + 7) / 8});
        std::vector<std::thread> workers;
        workers.reserve(static_cast<size_t>(n_workers));
        try {
            for (int64_t t = 1; t < n_workers; ++t) {
                workers.emplace_back(work);
            }
        } catch (const std::system_error&) {
            // No more threads available: the ones already started, and this one, finish the work.
        }
        work();
        for (auto& worker : workers) {
            worker.join();
        }
        if (first_bad < n_images) {
            ll::fail(LL_INVALID_ARGUMENT, first_error);
        }
        *written = needed;
    });
}
