// The baseline for bench/engine/run.sh: the committee's forward pass in a plain C++ loop over
// libtorch, with no C ABI, no validation and no managed code. Built by the native CMake project
// with -DLL_BUILD_BENCH=ON; it reuses the library's model classes so the networks are identical.
//
//   ll_plain_loop POOL_ITEMS THREADS CHECKPOINT...
//
// Generates the same pool as ScoreBench.cs (same generator and seed), warms up, times one pass of
// every member over the whole pool, then the same pass through the C ABI (ll_model_predict) in this
// process, and prints "plain|abi <images/s> <checksum> <CPU seconds>".
#include "model.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

// Must match ScoreBench.cs: a 64-bit LCG, top 24 bits as a float in [0, 1).
std::vector<float> make_pool(int64_t n) {
    std::vector<float> pool(static_cast<size_t>(n));
    uint64_t state = 20240601;
    for (auto& v : pool) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(state >> 40) / 16777216.0f;
    }
    return pool;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds used by every thread of the process: unlike wall time, barely moved by other work
// competing for the same cores.
double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s POOL_ITEMS THREADS CHECKPOINT...\n", argv[0]);
        return 64;
    }
    const int64_t items = std::atoll(argv[1]);
    at::set_num_threads(std::atoi(argv[2]));
    std::vector<std::unique_ptr<ll_model>> members;
    for (int i = 3; i < argc; ++i) {
        members.push_back(ll::load_checkpoint(argv[i], torch::Device(torch::kCPU), nullptr));
    }
    const ll_model_config& c = members.front()->config;
    const int64_t per_item = int64_t{c.channels} * c.image_size * c.image_size;
    auto values = make_pool(items * per_item);
    auto pool = torch::from_blob(values.data(), {items, c.channels, c.image_size, c.image_size});
    const int64_t chunk = ll::inference_chunk(torch::Device(torch::kCPU));

    {
        c10::InferenceMode inference;
        for (auto& m : members) {
            m->net->eval();
            m->net->forward(pool.narrow(0, 0, chunk));
        }
        auto out = torch::empty({items, c.n_classes});
        double checksum = 0;
        const double cpu_start = cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        for (auto& m : members) {
            for (int64_t s = 0; s < items; s += chunk) {
                const int64_t len = std::min(chunk, items - s);
                out.narrow(0, s, len).copy_(torch::softmax(m->net->forward(pool.narrow(0, s, len)), 1));
            }
            checksum += out.select(1, 0).sum().item<double>();
        }
        const double wall = seconds_since(start);
        std::printf("plain %.1f %.6f %.3f\n", items / wall, checksum, cpu_seconds() - cpu_start);
    }

    std::vector<float> probs(static_cast<size_t>(items * c.n_classes));
    ll_batch batch{};
    batch.n_items = items;
    batch.pixels = values.data();
    batch.n_pixels = static_cast<int64_t>(values.size());
    int64_t written = 0;
    double checksum = 0;
    const double cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (auto& m : members) {
        if (ll_model_predict(m.get(), &batch, probs.data(), static_cast<int64_t>(probs.size()),
                             &written) != LL_OK) {
            std::fprintf(stderr, "ll_model_predict failed\n");
            return 2;
        }
        for (int64_t i = 0; i < items; ++i) checksum += probs[i * c.n_classes];
    }
    const double wall = seconds_since(start);
    std::printf("abi %.1f %.6f %.3f\n", items / wall, checksum, cpu_seconds() - cpu_start);
    return 0;
}
