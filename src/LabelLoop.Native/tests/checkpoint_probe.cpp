// ll_checkpoint_probe CHECKPOINT INPUT N_ITEMS OUTPUT
// Loads CHECKPOINT in this fresh process, reads N_ITEMS items from INPUT (raw little-endian float32
// pixels for image models, int64 token ids for text models), predicts, and writes the
// probabilities to OUTPUT as raw float32. Exits 0 on success, 2 with the library's message on error.
#include "labelloop_native.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

int report(const char* what) {
    char message[1024];
    ll_last_error(message, sizeof(message));
    std::fprintf(stderr, "%s failed: %s\n", what, message);
    return 2;
}

template <typename T>
bool read_all(const char* path, std::vector<T>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out.resize(bytes.size() / sizeof(T));
    std::copy(bytes.begin(), bytes.begin() + out.size() * sizeof(T),
              reinterpret_cast<char*>(out.data()));
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s CHECKPOINT INPUT N_ITEMS OUTPUT\n", argv[0]);
        return 64;
    }
    const int64_t n = std::strtoll(argv[3], nullptr, 10);
    ll_model* model = nullptr;
    if (ll_model_load(argv[1], LL_DEVICE_CPU, nullptr, &model) != LL_OK) return report("load");
    ll_model_config config{};
    config.struct_size = sizeof(config);
    if (ll_model_describe(model, &config, nullptr) != LL_OK) return report("describe");

    std::vector<float> pixels;
    std::vector<int64_t> tokens;
    ll_batch batch{};
    batch.n_items = n;
    const bool ok = config.kind == LL_KIND_IMAGE_CNN ? read_all(argv[2], pixels)
                                                     : read_all(argv[2], tokens);
    if (!ok) {
        std::fprintf(stderr, "cannot read %s\n", argv[2]);
        return 2;
    }
    batch.pixels = pixels.data();
    batch.n_pixels = static_cast<int64_t>(pixels.size());
    batch.tokens = tokens.data();
    batch.n_tokens = static_cast<int64_t>(tokens.size());

    std::vector<float> probs(static_cast<size_t>(n * config.n_classes));
    int64_t written = 0;
    if (ll_model_predict(model, &batch, probs.data(), static_cast<int64_t>(probs.size()),
                         &written) != LL_OK) {
        return report("predict");
    }
    ll_model_free(model);
    std::ofstream out(argv[4], std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(probs.data()),
              static_cast<std::streamsize>(written * sizeof(float)));
    return out ? 0 : 2;
}
