// ll_model_pretrain: self-supervised pretraining of a model's encoder on the unlabeled pool.
//
// Images learn by contrast (SimCLR: Chen et al., 2020, "A Simple Framework for Contrastive Learning
// of Visual Representations"): two random views of every image in a batch, a projection head, and the
// NT-Xent loss that pulls the two views of one image together and pushes the other 2B - 2 views
// away. Text learns by filling in hidden tokens from the per-token features of the encoder.
#include "model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
// Logits computed at once in the masked-token loss (16 MB of floats); bounds both memory and the time
// between two cancellation checks.
constexpr int64_t kLogitsPerPart = int64_t{1} << 22;

void validate_options(const ll_pretrain_options& o, const ll_model_config& c) {
    using ll::require;
    require(o.struct_size == static_cast<int32_t>(sizeof(ll_pretrain_options)),
            "options->struct_size is ", o.struct_size, "; this library expects ",
            sizeof(ll_pretrain_options));
    const bool image = c.kind == LL_KIND_IMAGE_CNN;
    require(o.pretext == (image ? LL_PRETEXT_CONTRASTIVE : LL_PRETEXT_MASKED_TOKENS), "pretext is ",
            o.pretext, "; a ", ll::kind_name(c.kind), " model pretrains with ",
            image ? "LL_PRETEXT_CONTRASTIVE (1)" : "LL_PRETEXT_MASKED_TOKENS (2)");
    require(o.epochs >= 1 && o.epochs <= 10000, "epochs is ", o.epochs, "; expected 1..10000");
    require(o.first_epoch >= 1, "first_epoch is ", o.first_epoch, "; expected >= 1");
    require(o.total_epochs >= o.first_epoch + o.epochs - 1 && o.total_epochs <= 100000,
            "total_epochs is ", o.total_epochs, "; expected first_epoch + epochs - 1 (",
            o.first_epoch + o.epochs - 1, ") or more");
    require(o.batch_size >= (image ? 2 : 1) && o.batch_size <= 65536, "batch_size is ",
            o.batch_size, image ? "; expected 2..65536 (contrast needs pairs)" : "; expected 1..65536");
    require(std::isfinite(o.learning_rate) && o.learning_rate > 0.0f && o.learning_rate <= 10.0f,
            "learning_rate is ", o.learning_rate, "; expected (0, 10]");
    require(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0f, "weight_decay is ",
            o.weight_decay, "; expected a finite value >= 0");
    if (image) {
        require(std::isfinite(o.temperature) && o.temperature > 0.0f && o.temperature <= 10.0f,
                "temperature is ", o.temperature, "; expected (0, 10]");
        require(o.projection_dim >= 1 && o.projection_dim <= 4096, "projection_dim is ",
                o.projection_dim, "; expected 1..4096");
        require(std::isfinite(o.crop_min_scale) && o.crop_min_scale > 0.0f &&
                    o.crop_min_scale <= 1.0f,
                "crop_min_scale is ", o.crop_min_scale, "; expected (0, 1]");
        require(o.flip == 0 || o.flip == 1, "flip is ", o.flip, "; expected 0 or 1");
        require(std::isfinite(o.jitter) && o.jitter >= 0.0f && o.jitter <= 1.0f, "jitter is ",
                o.jitter, "; expected [0, 1]");
        require(std::isfinite(o.noise_std) && o.noise_std >= 0.0f && o.noise_std <= 1.0f,
                "noise_std is ", o.noise_std, "; expected [0, 1]");
    } else {
        require(std::isfinite(o.mask_fraction) && o.mask_fraction > 0.0f && o.mask_fraction < 1.0f,
                "mask_fraction is ", o.mask_fraction, "; expected (0, 1)");
        require(o.mask_token >= 1 && o.mask_token < c.vocab_size, "mask_token is ", o.mask_token,
                "; expected [1, vocab_size = ", c.vocab_size, ")");
    }
}

// One random view per image of a CPU batch [B, C, S, S]: a random resized crop (area share in
// [crop_min_scale, 1], aspect ratio in [3/4, 4/3], stretched back to S x S with bilinear sampling),
// an optional horizontal flip, brightness/contrast jitter and Gaussian noise.
torch::Tensor random_view(const torch::Tensor& x, const ll_pretrain_options& o, at::Generator& gen) {
    const int64_t b = x.size(0);
    const auto options = x.options();
    auto area = o.crop_min_scale + torch::rand({b}, gen, options) * (1.0f - o.crop_min_scale);
    auto log_ratio = (torch::rand({b}, gen, options) * 2 - 1) * std::log(4.0 / 3.0);
    auto ratio = torch::exp(log_ratio);
    auto w = torch::sqrt(area * ratio).clamp_max(1.0);
    auto h = torch::sqrt(area / ratio).clamp_max(1.0);
    // Centres keep the crop inside the image; coordinates are normalised to [-1, 1].
    auto cx = (torch::rand({b}, gen, options) * 2 - 1) * (1 - w);
    auto cy = (torch::rand({b}, gen, options) * 2 - 1) * (1 - h);
    auto sign = torch::ones({b}, options);
    if (o.flip != 0) {
        sign = torch::where(torch::rand({b}, gen, options).lt(0.5), -sign, sign);
    }
    auto zero = torch::zeros({b}, options);
    auto theta = torch::stack({torch::stack({w * sign, zero, cx}, 1), torch::stack({zero, h, cy}, 1)}, 1);
    auto grid = F::affine_grid(theta, x.sizes(), false);
    auto v = F::grid_sample(x, grid,
                            F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
    if (o.jitter > 0.0f) {
        auto brightness = (torch::rand({b, 1, 1, 1}, gen, options) * 2 - 1) * o.jitter;
        auto contrast = 1 + (torch::rand({b, 1, 1, 1}, gen, options) * 2 - 1) * o.jitter;
        auto mean = v.mean({1, 2, 3}, true);
        v = ((v - mean) * contrast + mean + brightness).clamp(0.0, 1.0);
    }
    if (o.noise_std > 0.0f) {
        v = v + torch::randn(v.sizes(), gen, options) * o.noise_std;
    }
    return v;
}

// NT-Xent over 2B projections: view i's positive is view i + B (mod 2B); every other view in the
// batch is a negative. z must be L2-normalised.
torch::Tensor nt_xent(const torch::Tensor& z, double temperature) {
    const int64_t n = z.size(0);
    const int64_t half = n / 2;
    auto similarity = torch::matmul(z, z.t()) / temperature;
    auto self = torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
    similarity = similarity.masked_fill(self, -std::numeric_limits<float>::infinity());
    auto targets = (torch::arange(n, torch::TensorOptions().dtype(torch::kInt64).device(z.device())) + half) % n;
    return F::cross_entropy(similarity, targets);
}

// A fresh pretext head whose weights come from the call's generator (the process-wide generator
// would make results depend on other threads), initialised like torch's default Linear.
nn::Linear seeded_linear(int64_t in, int64_t out, at::Generator& gen, const torch::Device& device) {
    nn::Linear layer(in, out);
    torch::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    layer->weight.uniform_(-bound, bound, gen);
    layer->bias.uniform_(-bound, bound, gen);
    layer->to(device);
    return layer;
}

}  // namespace

namespace ll {

struct PretextState {
    bool image = false;
    int64_t out_dim = 0;
    nn::Linear first{nullptr};
    nn::Linear second{nullptr};
    std::unique_ptr<torch::optim::AdamW> optimizer;
};

}  // namespace ll

namespace {

// The pretext head for this call: the previous call's (with its optimizer moments) when this call
// continues a run on the same model with the same shapes, else a fresh one seeded by the call.
std::shared_ptr<ll::PretextState> pretext_for(ll_model& m, const ll_pretrain_options& o, at::Generator& gen) {
    auto& net = *m.net;
    const bool image = m.config.kind == LL_KIND_IMAGE_CNN;
    const int64_t out_dim = image ? o.projection_dim : m.config.vocab_size;
    auto previous = std::move(m.pretext);
    if (o.first_epoch > 1 && previous && previous->image == image && previous->out_dim == out_dim) {
        for (auto& group : previous->optimizer->param_groups()) {
            static_cast<torch::optim::AdamWOptions&>(group.options()).weight_decay(o.weight_decay);
        }
        return previous;
    }
    auto state = std::make_shared<ll::PretextState>();
    state->image = image;
    state->out_dim = out_dim;
    // Contrastive: embedding -> hidden -> projection. Masked tokens: token features -> vocabulary.
    if (image) {
        const int64_t d = m.config.embedding_dim;
        state->first = seeded_linear(d, d, gen, m.device);
        state->second = seeded_linear(d, o.projection_dim, gen, m.device);
    } else {
        state->first = seeded_linear(net.encoder->token_width(), m.config.vocab_size, gen, m.device);
    }
    std::vector<torch::Tensor> params = net.encoder->parameters();
    for (auto& p : state->first->parameters()) params.push_back(p);
    if (state->second) {
        for (auto& p : state->second->parameters()) params.push_back(p);
    }
    state->optimizer = std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
    return state;
}

ll_pretrain_result pretrain(ll_model& m, const torch::Tensor& x, const ll_pretrain_options& o,
                            ll_progress_fn progress, void* user_data) {
    auto& net = *m.net;
    const bool image = m.config.kind == LL_KIND_IMAGE_CNN;
    const int64_t n = x.size(0);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    auto state = pretext_for(m, o, gen);
    auto& first = state->first;
    auto& second = state->second;
    auto& optimizer = *state->optimizer;

    // A contrastive batch needs two items or more; a lone last item joins the previous batch.
    int64_t batches = (n + o.batch_size - 1) / o.batch_size;
    if (image && batches > 1 && n % o.batch_size == 1) {
        --batches;
    }
    ll::require(!image || n >= 2, "contrastive pretraining needs at least 2 images; the batch has ", n);

    ll_pretrain_result result{};
    result.struct_size = sizeof(ll_pretrain_result);
    result.first_loss = kNaN;
    result.final_loss = kNaN;
    ll_progress report{};
    report.struct_size = sizeof(ll_progress);
    report.epochs = o.epochs;
    report.batches = static_cast<int32_t>(batches);
    report.val_loss = kNaN;
    report.val_accuracy = kNaN;

    // The callback is asked after every batch and also between the parts of one: a masked-token batch over
    // a large vocabulary takes seconds on a CPU, and a cancel must not wait for it. A mid-batch call carries
    // the figures of the last completed batch.
    const auto poll = [&](int32_t epoch, int64_t batch, const char* where) {
        if (progress != nullptr && progress(&report, user_data) != 0) {
            ll::fail(LL_CANCELLED, "pretraining was cancelled at epoch ", epoch, ", batch ", batch + 1, " (", where, ")");
        }
    };
    const int64_t rows_per_part = std::max<int64_t>(1, kLogitsPerPart / std::max<int64_t>(1, m.config.vocab_size));

    const auto started = std::chrono::steady_clock::now();
    net.train();
    for (int32_t epoch = 1; epoch <= o.epochs; ++epoch) {
        const int32_t global = o.first_epoch + epoch - 1;
        const double lr = o.learning_rate * 0.5 * (1.0 + std::cos(kPi * (global - 1) / o.total_epochs));
        static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[0].options()).lr(lr);
        const auto order = torch::randperm(n, gen, torch::kInt64);
        double loss_sum = 0.0;
        int64_t seen = 0;
        report.epoch = epoch;
        report.batch = 0;
        report.epoch_end = 0;
        for (int64_t b = 0; b < batches; ++b) {
            const int64_t start = b * o.batch_size;
            const int64_t len = b == batches - 1 ? n - start : std::min<int64_t>(o.batch_size, n - start);
            const auto idx = order.narrow(0, start, len);
            const auto xb = x.index_select(0, idx);
            double batch_loss = 0.0;
            if (image) {
                auto views = torch::cat({random_view(xb, o, gen), random_view(xb, o, gen)}, 0).to(m.device);
                auto z = second(torch::relu(first(net.encode(views))));
                auto loss = nt_xent(F::normalize(z, F::NormalizeFuncOptions().dim(1)), o.temperature);
                poll(epoch, b, "before the backward pass");
                optimizer.zero_grad();
                loss.backward();
                batch_loss = loss.item<double>();
            } else {
                auto candidates = xb.ne(0);
                auto hidden = torch::rand(xb.sizes(), gen, torch::kFloat32).lt(o.mask_fraction).logical_and(candidates);
                if (!hidden.any().item<bool>()) {
                    poll(epoch, b, "a batch with nothing to predict");
                    continue;  // nothing to predict in this batch (all padding, or an unlucky draw)
                }
                auto input = xb.masked_fill(hidden, o.mask_token).to(m.device);
                auto mask = hidden.to(m.device);
                auto selected = net.encoder->forward_tokens(input).index({mask});
                auto targets = xb.to(m.device).index({mask});
                // The vocabulary-sized logits of every hidden token at once would take hundreds of megabytes
                // and seconds; in parts, each part's loss goes back into a detached copy of the features, and
                // the summed gradient then goes through the encoder once. The gradient is the same.
                auto features = selected.detach().requires_grad_(true);
                const int64_t rows = features.size(0);
                optimizer.zero_grad();
                for (int64_t part = 0; part < rows; part += rows_per_part) {
                    poll(epoch, b, "within the masked-token loss");
                    const int64_t count = std::min(rows_per_part, rows - part);
                    auto logits = first(features.narrow(0, part, count));
                    auto loss = F::cross_entropy(logits, targets.narrow(0, part, count),
                                                 F::CrossEntropyFuncOptions().reduction(torch::kSum)) /
                                static_cast<double>(rows);
                    loss.backward();
                    batch_loss += loss.item<double>();
                }
                poll(epoch, b, "before the encoder's backward pass");
                selected.backward(features.grad());
            }
            optimizer.step();

            loss_sum += batch_loss * len;
            seen += len;
            report.batch = static_cast<int32_t>(b + 1);
            report.train_loss = static_cast<float>(loss_sum / seen);
            report.learning_rate = static_cast<float>(lr);
            poll(epoch, b, "after the batch");
        }
        const float epoch_loss = seen > 0 ? static_cast<float>(loss_sum / seen) : kNaN;
        if (epoch == 1) {
            result.first_loss = epoch_loss;
        }
        result.final_loss = epoch_loss;
        result.epochs_run = epoch;
        report.epoch = epoch;
        report.epoch_end = 1;
        report.train_loss = epoch_loss;
        if (progress != nullptr && progress(&report, user_data) != 0) {
            ll::fail(LL_CANCELLED, "pretraining was cancelled at the end of epoch ", epoch);
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.items_per_second = seconds > 0 ? static_cast<double>(n) * result.epochs_run / seconds : 0.0;
    net.eval();
    m.pretext = std::move(state);
    return result;
}

}  // namespace

extern "C" LL_API ll_status ll_model_pretrain(ll_model* model, const ll_batch* batch,
                                              const ll_pretrain_options* options,
                                              ll_progress_fn progress, void* user_data,
                                              ll_pretrain_result* result) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(model != nullptr, "model must not be NULL");
        ll::require(options != nullptr, "options must not be NULL");
        ll::require(result != nullptr, "result must not be NULL");
        ll::require(result->struct_size == static_cast<int32_t>(sizeof(ll_pretrain_result)),
                    "result->struct_size is ", result->struct_size, "; this library expects ",
                    sizeof(ll_pretrain_result));
        ll_model& m = *model;
        std::lock_guard<std::mutex> lock(m.mutex);
        validate_options(*options, m.config);
        const auto x = ll::batch_input(m.config, batch, "batch");
        const ll::State before = ll::snapshot(*m.net);
        try {
            *result = pretrain(m, x, *options, progress, user_data);
        } catch (...) {
            // A failed or cancelled call leaves the encoder as it was.
            ll::restore(*m.net, before);
            m.net->eval();
            throw;
        }
    });
}
