// Engine and model exports except training (train.cpp).
#include "model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace {

ll_model& checked(ll_model* model) {
    ll::require(model != nullptr, "model must not be NULL");
    return *model;
}

void check_output(const void* out, const int64_t* written, int64_t capacity, int64_t needed,
                  const char* name, const char* shape) {
    ll::require(out != nullptr && written != nullptr, name, " and written must not be NULL");
    ll::require(capacity >= needed, name, " holds ", capacity, " floats but ", shape, " need ",
                needed);
}

// Calls fn(start, length, slice) for consecutive slices of `input`, each moved to the model's device.
template <typename Fn>
void for_each_chunk(ll_model& m, const torch::Tensor& input, Fn&& fn) {
    const int64_t n = input.size(0);
    const int64_t chunk = ll::inference_chunk(m.device);
    for (int64_t start = 0; start < n; start += chunk) {
        const int64_t len = std::min(chunk, n - start);
        fn(start, len, input.narrow(0, start, len).to(m.device));
    }
}

void publish(const torch::Tensor& result, float* out, int64_t* written) {
    auto cpu = result.to(torch::kCPU).contiguous();
    std::memcpy(out, cpu.data_ptr<float>(), static_cast<size_t>(cpu.numel()) * sizeof(float));
    *written = cpu.numel();
}

// Debian's libtorch calls a pthreads OpenBLAS, which keeps its own spinning worker threads next to
// libtorch's OpenMP pool. On two shared cores the two pools fought and scoring ran several times
// slower (bench/engine). libtorch's intra-op threads already parallelise every layer we run, so the BLAS
// is made single-threaded as soon as the library loads. Other BLAS builds lack the symbol and are
// left alone.
void use_single_threaded_openblas() noexcept {
    using SetThreads = void (*)(int);
    for (const char* name : {"libopenblas.so.0", "libblas.so.3"}) {
        if (void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD)) {
            auto set = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads"));
            if (set != nullptr) {
                set(1);
            }
            dlclose(handle);
        }
    }
}

// glibc maps every allocation above its (adaptive) mmap threshold afresh and trims the heap top
// eagerly, so each inference slice faulted its activation buffers in again: bench/engine measured
// 25x more page faults and a third less throughput than with the buffers reused. Raising both
// thresholds keeps up to that much freed memory in the process for reuse. A host that sets
// MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ keeps its own choice.
void keep_activation_buffers() noexcept {
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
    }
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) {
        mallopt(M_TRIM_THRESHOLD, 128 << 20);
    }
}

// Both run when the library loads, so every process using it (and the benchmark's plain loop,
// built from the same objects) gets the same settings.
const bool process_tuned = (use_single_threaded_openblas(), keep_activation_buffers(), true);

}  // namespace

extern "C" LL_API ll_status ll_engine_init(int32_t threads, uint64_t seed) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(threads >= 0 && threads <= 1024, "threads is ", threads,
                    "; expected 0 (keep) or 1..1024");
        if (threads > 0) {
            at::set_num_threads(threads);
        }
        torch::manual_seed(seed);
        // Reproducible convolutions on CUDA as well; autotuning would pick kernels by timing.
        at::globalContext().setBenchmarkCuDNN(false);
        at::globalContext().setDeterministicCuDNN(true);
    });
}

extern "C" LL_API ll_status ll_engine_describe(ll_engine_info* info) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(info != nullptr, "info must not be NULL");
        ll::require(info->struct_size == static_cast<int32_t>(sizeof(ll_engine_info)),
                    "info->struct_size is ", info->struct_size, "; this library expects ",
                    sizeof(ll_engine_info));
        ll_engine_info result{};
        result.struct_size = sizeof(ll_engine_info);
        result.abi_version = LL_ABI_VERSION;
        result.threads = at::get_num_threads();
        result.cuda_available = torch::cuda::is_available() ? 1 : 0;
        result.cuda_device_count = static_cast<int32_t>(torch::cuda::device_count());
        std::strncpy(result.torch_version, TORCH_VERSION, sizeof(result.torch_version) - 1);
        *info = result;
    });
}

extern "C" LL_API int32_t ll_engine_cuda_available(void) noexcept {
    try {
        return torch::cuda::is_available() ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" LL_API ll_status ll_engine_measure_blas(int32_t n, int32_t repeats,
                                                   double* gflops) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(n >= 16 && n <= 4096, "n is ", n, "; expected 16..4096");
        ll::require(repeats >= 1 && repeats <= 100, "repeats is ", repeats, "; expected 1..100");
        ll::require(gflops != nullptr, "gflops must not be NULL");
        c10::InferenceMode inference;
        auto generator = at::make_generator<at::CPUGeneratorImpl>(12345);
        auto a = torch::randn({n, n}, generator, torch::kFloat32);
        auto b = torch::randn({n, n}, generator, torch::kFloat32);
        auto c = torch::mm(a, b);
        double best = std::numeric_limits<double>::infinity();
        for (int32_t r = 0; r < repeats; ++r) {
            const auto start = std::chrono::steady_clock::now();
            torch::mm_out(c, a, b);
            const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
            best = std::min(best, elapsed.count());
        }
        *gflops = 2.0 * n * n * static_cast<double>(n) / std::max(best, 1e-9) / 1e9;
    });
}

extern "C" LL_API ll_status ll_model_create(const ll_model_config* config, int32_t device,
                                            ll_model** out_model) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(out_model != nullptr, "out_model must not be NULL");
        *out_model = nullptr;
        ll::require(config != nullptr, "config must not be NULL");
        ll::validate_config(*config);
        auto model = std::make_unique<ll_model>(*config, ll::resolve_device(device));
        *out_model = model.release();
    });
}

extern "C" LL_API ll_status ll_model_describe(ll_model* model, ll_model_config* config,
                                              int32_t* device) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& m = checked(model);
        ll::require(config != nullptr, "config must not be NULL");
        ll::require(config->struct_size == static_cast<int32_t>(sizeof(ll_model_config)),
                    "config->struct_size is ", config->struct_size, "; this library expects ",
                    sizeof(ll_model_config));
        *config = m.config;
        if (device != nullptr) {
            *device = m.device.is_cuda() ? LL_DEVICE_CUDA : LL_DEVICE_CPU;
        }
    });
}

extern "C" LL_API ll_status ll_model_predict(ll_model* model, const ll_batch* batch, float* probs,
                                             int64_t capacity, int64_t* written) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& m = checked(model);
        std::lock_guard<std::mutex> lock(m.mutex);
        auto input = ll::batch_input(m.config, batch, "batch");
        const int64_t n = input.size(0);
        check_output(probs, written, capacity, n * m.config.n_classes, "probs",
                     "n_items x n_classes");
        c10::InferenceMode inference;
        m.net->eval();
        auto out = torch::empty({n, m.config.n_classes}, torch::kFloat32);
        for_each_chunk(m, input, [&](int64_t start, int64_t len, const torch::Tensor& x) {
            out.narrow(0, start, len).copy_(torch::softmax(m.net->forward(x), 1));
        });
        publish(out, probs, written);
    });
}

extern "C" LL_API ll_status ll_model_predict_mc(ll_model* model, const ll_batch* batch,
                                                int32_t passes, uint64_t seed, float* probs,
                                                int64_t capacity, int64_t* written) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& m = checked(model);
        ll::require(passes >= 1 && passes <= 1000, "passes is ", passes, "; expected 1..1000");
        std::lock_guard<std::mutex> lock(m.mutex);
        auto input = ll::batch_input(m.config, batch, "batch");
        const int64_t n = input.size(0);
        check_output(probs, written, capacity, passes * n * m.config.n_classes, "probs",
                     "passes x n_items x n_classes");
        c10::InferenceMode inference;
        m.net->eval();
        auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
        auto out = torch::empty({passes, n, m.config.n_classes}, torch::kFloat32);
        for_each_chunk(m, input, [&](int64_t start, int64_t len, const torch::Tensor& x) {
            auto embedding = m.net->encode(x);
            for (int32_t t = 0; t < passes; ++t) {
                auto logits = m.net->head(embedding, true, &generator);
                out[t].narrow(0, start, len).copy_(torch::softmax(logits, 1));
            }
        });
        publish(out, probs, written);
    });
}

extern "C" LL_API ll_status ll_model_embed(ll_model* model, const ll_batch* batch,
                                           float* embeddings, int64_t capacity,
                                           int64_t* written) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& m = checked(model);
        std::lock_guard<std::mutex> lock(m.mutex);
        auto input = ll::batch_input(m.config, batch, "batch");
        const int64_t n = input.size(0);
        check_output(embeddings, written, capacity, n * m.config.embedding_dim, "embeddings",
                     "n_items x embedding_dim");
        c10::InferenceMode inference;
        m.net->eval();
        auto out = torch::empty({n, m.config.embedding_dim}, torch::kFloat32);
        for_each_chunk(m, input, [&](int64_t start, int64_t len, const torch::Tensor& x) {
            out.narrow(0, start, len).copy_(m.net->encode(x));
        });
        publish(out, embeddings, written);
    });
}

extern "C" LL_API ll_status ll_model_save(ll_model* model, const char* path_utf8) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& m = checked(model);
        ll::require(path_utf8 != nullptr && path_utf8[0] != '\0', "path must not be empty");
        std::lock_guard<std::mutex> lock(m.mutex);
        ll::save_checkpoint(m, path_utf8);
    });
}

extern "C" LL_API ll_status ll_model_load(const char* path_utf8, int32_t device,
                                          const ll_model_config* expected,
                                          ll_model** out_model) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(out_model != nullptr, "out_model must not be NULL");
        *out_model = nullptr;
        ll::require(path_utf8 != nullptr && path_utf8[0] != '\0', "path must not be empty");
        auto model = ll::load_checkpoint(path_utf8, ll::resolve_device(device), expected);
        *out_model = model.release();
    });
}

extern "C" LL_API ll_status ll_model_copy_encoder(ll_model* source, ll_model* target) noexcept {
    return ll::guarded(__func__, [&] {
        ll_model& src = checked(source);
        ll_model& dst = checked(target);
        ll::require(source != target, "source and target are the same model");
        std::scoped_lock lock(src.mutex, dst.mutex);
        ll::require(src.config.kind == dst.config.kind, "the source is a ",
                    ll::kind_name(src.config.kind), " model but the target is a ",
                    ll::kind_name(dst.config.kind), " model");
        auto from = ll::snapshot(*src.net->encoder);
        auto params = dst.net->encoder->named_parameters();
        auto buffers = dst.net->encoder->named_buffers();
        ll::require(from.size() == params.size() + buffers.size(), "the source encoder has ",
                    from.size(), " tensors but the target encoder has ",
                    params.size() + buffers.size());
        for (const auto& [name, value] : from) {
            const torch::Tensor* to = params.find(name);
            if (to == nullptr) {
                to = buffers.find(name);
            }
            ll::require(to != nullptr, "encoder tensor '", name,
                        "' of the source is missing from the target");
            ll::require(to->sizes() == value.sizes(), "encoder tensor '", name, "' has shape ",
                        value.sizes(), " in the source but ", to->sizes(), " in the target");
        }
        ll::restore(*dst.net->encoder, from);
    });
}

extern "C" LL_API void ll_model_free(ll_model* model) noexcept {
    try {
        delete model;
    } catch (...) {
        // Destructors of torch modules do not throw in practice; never let one cross the ABI.
    }
}
