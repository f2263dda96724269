// Internal model types shared by the export translation units and the plain-loop benchmark.
#pragma once

#include "guard.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ll {

// Checkpoint file format; bump when the container layout changes.
constexpr uint32_t kCheckpointFormat = 1;
// Bump a kind's revision whenever its layers change, so old checkpoints fail clearly.
uint32_t architecture_revision(int32_t kind);
const char* kind_name(int32_t kind);

// Items per forward pass at inference. On the CPU small slices keep activations in cache and
// below glibc's mmap threshold (512 images of 28x28 allocate 51 MB per conv layer and fault every
// page in again); a GPU wants large slices to fill its cores.
inline int64_t inference_chunk(const torch::Device& device) { return device.is_cuda() ? 1024 : 64; }

class EncoderImpl : public torch::nn::Module {
public:
    // Image models take float [N, C, S, S]; text models take int64 ids [N, L]. Yields [N, D].
    virtual torch::Tensor forward(const torch::Tensor& input) = 0;
    // Text models: per-token features [N, L, W] before pooling (what masked-token pretraining
    // predicts from), and W. Image encoders have none.
    virtual torch::Tensor forward_tokens(const torch::Tensor& /*ids*/) {
        throw torch::Error("this encoder has no token features", "");
    }
    virtual int64_t token_width() const { return 0; }
};

class NetImpl : public torch::nn::Module {
public:
    explicit NetImpl(const ll_model_config& config);

    torch::Tensor encode(const torch::Tensor& input) { return encoder->forward(input); }
    // Dropout is applied only when `stochastic`; `generator` (CPU tensors only) makes it
    // reproducible. Returns logits [N, K].
    torch::Tensor head(const torch::Tensor& embedding, bool stochastic, at::Generator* generator);
    torch::Tensor forward(const torch::Tensor& input) { return head(encode(input), false, nullptr); }

    std::shared_ptr<EncoderImpl> encoder;
    torch::nn::Linear fc1{nullptr};
    torch::nn::Linear fc2{nullptr};
    double dropout;
};

void validate_config(const ll_model_config& config);

// Reads the pixels or tokens the model's kind needs as a CPU tensor that borrows the caller's
// buffer ([N, C, S, S] float or [N, L] int64), after checking sizes, finiteness and id ranges.
torch::Tensor batch_input(const ll_model_config& config, const ll_batch* batch, const char* what);

// Copies of every parameter and buffer, used to roll back failed training and to keep the best epoch.
using State = std::vector<std::pair<std::string, torch::Tensor>>;
State snapshot(torch::nn::Module& module);
void restore(torch::nn::Module& module, const State& state);

torch::Device resolve_device(int32_t device);

// The pretext head and optimizer of a pretraining run (pretrain.cpp).
struct PretextState;

}  // namespace ll

struct ll_model {
    ll_model(const ll_model_config& config, torch::Device device);

    ll_model_config config;
    torch::Device device;
    std::shared_ptr<ll::NetImpl> net;
    // Left by the last successful ll_model_pretrain call, so that a call continuing the same run
    // (first_epoch > 1) goes on with its head and optimizer instead of starting a fresh head.
    // In memory only: a model loaded from a checkpoint has none.
    std::shared_ptr<ll::PretextState> pretext;
    std::mutex mutex;
};

namespace ll {

void save_checkpoint(ll_model& model, const std::string& path);
std::unique_ptr<ll_model> load_checkpoint(const std::string& path, torch::Device device,
                                          const ll_model_config* expected);

}  // namespace ll
