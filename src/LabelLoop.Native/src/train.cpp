// ll_model_train: mini-batch training with a validation split, early stopping and rollback.
#include "model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

namespace {

namespace F = torch::nn::functional;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

void validate_options(const ll_train_options& o) {
    using ll::require;
    require(o.struct_size == static_cast<int32_t>(sizeof(ll_train_options)),
            "options->struct_size is ", o.struct_size, "; this library expects ",
            sizeof(ll_train_options));
    require(o.epochs >= 1 && o.epochs <= 10000, "epochs is ", o.epochs, "; expected 1..10000");
    require(o.batch_size >= 1 && o.batch_size <= 65536, "batch_size is ", o.batch_size,
            "; expected 1..65536");
    require(o.optimizer == LL_OPTIMIZER_ADAM || o.optimizer == LL_OPTIMIZER_ADAMW, "optimizer is ",
            o.optimizer, "; expected LL_OPTIMIZER_ADAM (0) or LL_OPTIMIZER_ADAMW (1)");
    require(std::isfinite(o.learning_rate) && o.learning_rate > 0.0f && o.learning_rate <= 10.0f,
            "learning_rate is ", o.learning_rate, "; expected (0, 10]");
    require(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0f, "weight_decay is ",
            o.weight_decay, "; expected a finite value >= 0");
    require(std::isfinite(o.encoder_lr_multiplier) && o.encoder_lr_multiplier >= 0.0f,
            "encoder_lr_multiplier is ", o.encoder_lr_multiplier,
            "; expected a finite value >= 0 (0 freezes the encoder)");
    require(o.schedule >= LL_SCHEDULE_CONSTANT && o.schedule <= LL_SCHEDULE_STEP, "schedule is ",
            o.schedule, "; expected LL_SCHEDULE_CONSTANT, _COSINE or _STEP");
    if (o.schedule == LL_SCHEDULE_STEP) {
        require(o.step_epochs >= 1, "step_epochs is ", o.step_epochs, "; expected >= 1");
        require(std::isfinite(o.step_gamma) && o.step_gamma > 0.0f && o.step_gamma <= 1.0f,
                "step_gamma is ", o.step_gamma, "; expected (0, 1]");
    }
    require(std::isfinite(o.validation_fraction) && o.validation_fraction >= 0.0f &&
                o.validation_fraction <= 0.9f,
            "validation_fraction is ", o.validation_fraction, "; expected [0, 0.9]");
    require(o.patience >= 0, "patience is ", o.patience, "; expected >= 0");
    require((o.augment & ~15) == 0, "augment is ", o.augment, "; expected LL_AUGMENT_* flags");
    require(o.crop_padding >= 0 && o.crop_padding <= 64, "crop_padding is ", o.crop_padding,
            "; expected 0..64");
    require(std::isfinite(o.jitter) && o.jitter >= 0.0f && o.jitter <= 1.0f, "jitter is ",
            o.jitter, "; expected [0, 1]");
    require(std::isfinite(o.noise_std) && o.noise_std >= 0.0f && o.noise_std <= 1.0f,
            "noise_std is ", o.noise_std, "; expected [0, 1]");
}

// Augments a CPU batch [B, C, S, S] with the training generator, before it moves to the device,
// so that the same seed gives the same batches on every device.
torch::Tensor augment(torch::Tensor x, const ll_train_options& o, at::Generator& gen) {
    const int64_t b = x.size(0);
    const int64_t s = x.size(2);
    const auto options = x.options();
    if ((o.augment & LL_AUGMENT_CROP) != 0 && o.crop_padding > 0) {
        const int64_t p = o.crop_padding;
        auto padded = torch::constant_pad_nd(x, {p, p, p, p}, 0.0);
        auto offsets = torch::randint(0, 2 * p + 1, {b, 2}, gen, torch::kInt64);
        auto at = offsets.accessor<int64_t, 2>();
        auto cropped = torch::empty_like(x);
        for (int64_t i = 0; i < b; ++i) {
            cropped[i].copy_(padded[i].narrow(1, at[i][0], s).narrow(2, at[i][1], s));
        }
        x = cropped;
    }
    if ((o.augment & LL_AUGMENT_FLIP) != 0) {
        auto flip = torch::rand({b, 1, 1, 1}, gen, options).lt(0.5);
        x = torch::where(flip, x.flip({3}), x);
    }
    if ((o.augment & LL_AUGMENT_JITTER) != 0 && o.jitter > 0.0f) {
        auto brightness = (torch::rand({b, 1, 1, 1}, gen, options) * 2 - 1) * o.jitter;
        auto contrast = 1 + (torch::rand({b, 1, 1, 1}, gen, options) * 2 - 1) * o.jitter;
        auto mean = x.mean({1, 2, 3}, true);
        x = ((x - mean) * contrast + mean + brightness).clamp(0.0, 1.0);
    }
    if ((o.augment & LL_AUGMENT_NOISE) != 0 && o.noise_std > 0.0f) {
        x = x + torch::randn(x.sizes(), gen, options) * o.noise_std;
    }
    return x;
}

double schedule_factor(const ll_train_options& o, int32_t epoch) {
    switch (o.schedule) {
        case LL_SCHEDULE_COSINE:
            return 0.5 * (1.0 + std::cos(kPi * (epoch - 1) / o.epochs));
        case LL_SCHEDULE_STEP:
            return std::pow(static_cast<double>(o.step_gamma), (epoch - 1) / o.step_epochs);
        default:
            return 1.0;
    }
}

struct Evaluation {
    float loss = kNaN;
    float accuracy = kNaN;
};

Evaluation evaluate(ll_model& m, const torch::Tensor& x, const torch::Tensor& y) {
    Evaluation result;
    const int64_t n = x.size(0);
    if (n == 0) {
        return result;
    }
    torch::NoGradGuard no_grad;
    m.net->eval();
    double loss = 0.0;
    int64_t correct = 0;
    const int64_t chunk = ll::inference_chunk(m.device);
    for (int64_t start = 0; start < n; start += chunk) {
        const int64_t len = std::min(chunk, n - start);
        auto logits = m.net->forward(x.narrow(0, start, len).to(m.device));
        auto target = y.narrow(0, start, len).to(m.device);
        loss += F::cross_entropy(logits, target,
                                 F::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
        correct += logits.argmax(1).eq(target).sum().item<int64_t>();
    }
    result.loss = static_cast<float>(loss / n);
    result.accuracy = static_cast<float>(correct) / static_cast<float>(n);
    return result;
}

// Frozen encoder parameters stop requiring gradients for the call and get them back afterwards,
// whichever way the call ends.
class FreezeScope {
public:
    FreezeScope(torch::nn::Module& encoder, bool frozen) : encoder_(encoder), frozen_(frozen) {
        if (frozen_) {
            for (auto& p : encoder_.parameters()) p.requires_grad_(false);
        }
    }
    ~FreezeScope() {
        if (frozen_) {
            for (auto& p : encoder_.parameters()) p.requires_grad_(true);
        }
    }
    FreezeScope(const FreezeScope&) = delete;
    FreezeScope& operator=(const FreezeScope&) = delete;

private:
    torch::nn::Module& encoder_;
    bool frozen_;
};

void set_learning_rate(torch::optim::Optimizer& optimizer, bool adamw, size_t group, double lr) {
    auto& options = optimizer.param_groups()[group].options();
    if (adamw) {
        static_cast<torch::optim::AdamWOptions&>(options).lr(lr);
    } else {
        static_cast<torch::optim::AdamOptions&>(options).lr(lr);
    }
}

ll_train_result train(ll_model& m, const torch::Tensor& x, const torch::Tensor& y,
                      const torch::Tensor& class_weights, const ll_train_options& o,
                      ll_progress_fn progress, void* user_data) {
    auto& net = *m.net;
    const bool image = m.config.kind == LL_KIND_IMAGE_CNN;
    const int64_t n = x.size(0);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);

    const auto perm = torch::randperm(n, gen, torch::kInt64);
    const int64_t n_val = static_cast<int64_t>(std::floor(n * static_cast<double>(o.validation_fraction)));
    const int64_t n_train = n - n_val;
    ll::require(n_train >= 1, "the validation split leaves no training items (", n, " items, ",
                "validation_fraction ", o.validation_fraction, ")");
    const auto train_idx = perm.narrow(0, n_val, n_train);
    const auto x_val = x.index_select(0, perm.narrow(0, 0, n_val));
    const auto y_val = y.index_select(0, perm.narrow(0, 0, n_val));

    const bool frozen = o.encoder_lr_multiplier == 0.0f;
    FreezeScope freeze(*net.encoder, frozen);
    const bool adamw = o.optimizer == LL_OPTIMIZER_ADAMW;
    auto make_options = [&](double lr) -> std::unique_ptr<torch::optim::OptimizerOptions> {
        if (adamw) {
            return std::make_unique<torch::optim::AdamWOptions>(
                torch::optim::AdamWOptions(lr).weight_decay(o.weight_decay));
        }
        return std::make_unique<torch::optim::AdamOptions>(
            torch::optim::AdamOptions(lr).weight_decay(o.weight_decay));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    std::vector<double> base_lr;
    if (!frozen) {
        base_lr.push_back(static_cast<double>(o.learning_rate) * o.encoder_lr_multiplier);
        groups.emplace_back(net.encoder->parameters(), make_options(base_lr.back()));
    }
    std::vector<torch::Tensor> head_params = net.fc1->parameters();
    for (auto& p : net.fc2->parameters()) head_params.push_back(p);
    base_lr.push_back(o.learning_rate);
    groups.emplace_back(head_params, make_options(base_lr.back()));
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    if (adamw) {
        optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups));
    } else {
        optimizer = std::make_unique<torch::optim::Adam>(std::move(groups));
    }
    const auto weights = class_weights.defined() ? class_weights.to(m.device) : torch::Tensor();

    ll_train_result result{};
    result.struct_size = sizeof(ll_train_result);
    result.n_train = static_cast<int32_t>(n_train);
    result.n_validation = static_cast<int32_t>(n_val);
    result.best_val_loss = kNaN;
    result.best_val_accuracy = kNaN;
    ll::State best;
    int32_t since_best = 0;

    const int64_t batches = (n_train + o.batch_size - 1) / o.batch_size;
    ll_progress report{};
    report.struct_size = sizeof(ll_progress);
    report.epochs = o.epochs;
    report.batches = static_cast<int32_t>(batches);

    for (int32_t epoch = 1; epoch <= o.epochs; ++epoch) {
        const double factor = schedule_factor(o, epoch);
        for (size_t g = 0; g < base_lr.size(); ++g) {
            set_learning_rate(*optimizer, adamw, g, base_lr[g] * factor);
        }
        net.train();
        if (frozen) {
            // Frozen means frozen: batch-norm running statistics must not drift either.
            net.encoder->eval();
        }
        const auto order = train_idx.index_select(0, torch::randperm(n_train, gen, torch::kInt64));
        double loss_sum = 0.0;
        int64_t seen = 0;
        for (int64_t b = 0; b < batches; ++b) {
            const int64_t start = b * o.batch_size;
            const auto idx = order.narrow(0, start, std::min<int64_t>(o.batch_size, n_train - start));
            auto xb = x.index_select(0, idx);
            if (image && o.augment != 0) {
                xb = augment(xb, o, gen);
            }
            xb = xb.to(m.device);
            const auto yb = y.index_select(0, idx).to(m.device);
            torch::Tensor embedding;
            if (frozen) {
                torch::NoGradGuard no_grad;
                embedding = net.encode(xb);
            } else {
                embedding = net.encode(xb);
            }
            const auto logits = net.head(embedding, true, &gen);
            auto loss = F::cross_entropy(logits, yb, F::CrossEntropyFuncOptions().weight(weights));
            optimizer->zero_grad();
            loss.backward();
            optimizer->step();

            loss_sum += loss.item<double>() * idx.size(0);
            seen += idx.size(0);
            report.epoch = epoch;
            report.batch = static_cast<int32_t>(b + 1);
            report.epoch_end = 0;
            report.train_loss = static_cast<float>(loss_sum / seen);
            report.val_loss = kNaN;
            report.val_accuracy = kNaN;
            report.learning_rate = static_cast<float>(base_lr.back() * factor);
            if (progress != nullptr && progress(&report, user_data) != 0) {
                ll::fail(LL_CANCELLED, "training was cancelled at epoch ", epoch, ", batch ", b + 1);
            }
        }
        const Evaluation val = evaluate(m, x_val, y_val);
        result.epochs_run = epoch;
        result.final_train_loss = report.train_loss;
        report.epoch_end = 1;
        report.val_loss = val.loss;
        report.val_accuracy = val.accuracy;
        if (progress != nullptr && progress(&report, user_data) != 0) {
            ll::fail(LL_CANCELLED, "training was cancelled at the end of epoch ", epoch);
        }
        if (n_val == 0) {
            result.best_epoch = epoch;
            continue;
        }
        const bool better = best.empty() || val.accuracy > result.best_val_accuracy ||
                            (val.accuracy == result.best_val_accuracy &&
                             val.loss < result.best_val_loss);
        if (better) {
            best = ll::snapshot(net);
            result.best_epoch = epoch;
            result.best_val_accuracy = val.accuracy;
            result.best_val_loss = val.loss;
            since_best = 0;
        } else if (o.patience > 0 && ++since_best >= o.patience) {
            result.stopped_early = 1;
            break;
        }
    }
    if (!best.empty()) {
        ll::restore(net, best);
    }
    net.eval();
    return result;
}

}  // namespace

extern "C" LL_API ll_status ll_model_train(ll_model* model, const ll_batch* batch,
                                           const int32_t* labels, int64_t n_labels,
                                           const float* class_weights, int32_t n_class_weights,
                                           const ll_train_options* options,
                                           ll_progress_fn progress, void* user_data,
                                           ll_train_result* result) noexcept {
    return ll::guarded(__func__, [&] {
        ll::require(model != nullptr, "model must not be NULL");
        ll::require(options != nullptr, "options must not be NULL");
        validate_options(*options);
        ll::require(result != nullptr, "result must not be NULL");
        ll::require(result->struct_size == static_cast<int32_t>(sizeof(ll_train_result)),
                    "result->struct_size is ", result->struct_size, "; this library expects ",
                    sizeof(ll_train_result));
        ll_model& m = *model;
        std::lock_guard<std::mutex> lock(m.mutex);
        const int32_t k = m.config.n_classes;
        const auto x = ll::batch_input(m.config, batch, "batch");
        const int64_t n = x.size(0);
        ll::require(n_labels == n, "n_labels is ", n_labels, " but the batch has ", n, " items");
        ll::require(labels != nullptr, "labels must not be NULL");
        const auto y = torch::from_blob(const_cast<int32_t*>(labels), {n}, torch::kInt32)
                           .to(torch::kInt64);
        const auto out_of_range = y.lt(0).logical_or(y.ge(k));
        if (out_of_range.any().item<bool>()) {
            const int64_t i = out_of_range.nonzero()[0][0].item<int64_t>();
            ll::fail(LL_INVALID_ARGUMENT, "label ", labels[i], " at index ", i,
                     " is outside the class range [0, ", k, ")");
        }
        torch::Tensor weights;
        if (class_weights != nullptr || n_class_weights != 0) {
            ll::require(class_weights != nullptr, "class_weights is NULL but n_class_weights is ",
                        n_class_weights);
            ll::require(n_class_weights == k, "n_class_weights is ", n_class_weights,
                        " but the model has ", k, " classes");
            weights = torch::from_blob(const_cast<float*>(class_weights), {k}, torch::kFloat32)
                          .clone();
            ll::require(torch::isfinite(weights).all().item<bool>() &&
                            weights.ge(0).all().item<bool>() && weights.gt(0).any().item<bool>(),
                        "class_weights must be finite, >= 0 and not all 0");
        }

        const ll::State before = ll::snapshot(*m.net);
        try {
            *result = train(m, x, y, weights, *options, progress, user_data);
        } catch (...) {
            // Roll back so that a failed or cancelled run never leaves half-trained weights.
            ll::restore(*m.net, before);
            m.net->eval();
            throw;
        }
    });
}
