#include "model.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ll {
namespace {

namespace nn = torch::nn;

class ImageEncoderImpl : public EncoderImpl {
public:
    explicit ImageEncoderImpl(const ll_model_config& c) {
        const int64_t w = c.width;
        conv1_ = register_module(
            "conv1", nn::Conv2d(nn::Conv2dOptions(c.channels, w, 3).padding(1).bias(false)));
        bn1_ = register_module("bn1", nn::BatchNorm2d(w));
        conv2_ = register_module("conv2",
                                 nn::Conv2d(nn::Conv2dOptions(w, 2 * w, 3).padding(1).bias(false)));
        bn2_ = register_module("bn2", nn::BatchNorm2d(2 * w));
        conv3_ = register_module(
            "conv3", nn::Conv2d(nn::Conv2dOptions(2 * w, 4 * w, 3).padding(1).bias(false)));
        bn3_ = register_module("bn3", nn::BatchNorm2d(4 * w));
        proj_ = register_module("proj", nn::Linear(4 * w, c.embedding_dim));
    }

    torch::Tensor forward(const torch::Tensor& x) override {
        auto h = torch::max_pool2d(torch::relu(bn1_(conv1_(x))), 2);
        h = torch::max_pool2d(torch::relu(bn2_(conv2_(h))), 2);
        h = torch::relu(bn3_(conv3_(h)));
        return proj_(torch::adaptive_avg_pool2d(h, {1, 1}).flatten(1));
    }

private:
    nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
    nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
    nn::Linear proj_{nullptr};
};

// An item with no tokens would pool over nothing (-inf, or NaN attention); let it see position 0.
torch::Tensor token_mask(const torch::Tensor& ids) {
    auto mask = ids.ne(0);
    auto empty = mask.any(1).logical_not();
    mask.select(1, 0).logical_or_(empty);
    return mask;
}

class TextConvEncoderImpl : public EncoderImpl {
public:
    explicit TextConvEncoderImpl(const ll_model_config& c) {
        const int64_t w = c.width;
        embed_ = register_module("embed",
                                 nn::Embedding(nn::EmbeddingOptions(c.vocab_size, w).padding_idx(0)));
        conv1_ = register_module("conv1", nn::Conv1d(nn::Conv1dOptions(w, 2 * w, 3).padding(1)));
        conv2_ = register_module(
            "conv2", nn::Conv1d(nn::Conv1dOptions(2 * w, 2 * w, 3).padding(2).dilation(2)));
        proj_ = register_module("proj", nn::Linear(2 * w, c.embedding_dim));
    }

    torch::Tensor forward(const torch::Tensor& ids) override {
        auto mask = token_mask(ids).unsqueeze(1);
        auto h = features(ids);
        auto pooled = h.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity())
                          .amax(2);
        return proj_(pooled);
    }

    torch::Tensor forward_tokens(const torch::Tensor& ids) override {
        return features(ids).transpose(1, 2);
    }

    int64_t token_width() const override { return conv2_->options.out_channels(); }

private:
    // [N, 2W, L]
    torch::Tensor features(const torch::Tensor& ids) {
        auto h = torch::relu(conv1_(embed_(ids).transpose(1, 2)));
        return torch::relu(conv2_(h)) + h;
    }

    nn::Embedding embed_{nullptr};
    nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
    nn::Linear proj_{nullptr};
};

class TextTransformerEncoderImpl : public EncoderImpl {
public:
    explicit TextTransformerEncoderImpl(const ll_model_config& c) {
        const int64_t d = c.width;
        embed_ = register_module("embed",
                                 nn::Embedding(nn::EmbeddingOptions(c.vocab_size, d).padding_idx(0)));
        position_ = register_module("position", nn::Embedding(c.max_tokens, d));
        // Dropout inside the layers would draw from the process-wide generator and break
        // per-model reproducibility; the head's dropout regularises instead.
        nn::TransformerEncoderLayer layer(
            nn::TransformerEncoderLayerOptions(d, 4).dim_feedforward(2 * d).dropout(0.0));
        layers_ = register_module("layers",
                                  nn::TransformerEncoder(nn::TransformerEncoderOptions(layer, 2)));
        norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({d})));
        proj_ = register_module("proj", nn::Linear(d, c.embedding_dim));
    }

    torch::Tensor forward(const torch::Tensor& ids) override {
        auto mask = token_mask(ids);
        auto y = forward_tokens(ids);
        auto weights = mask.unsqueeze(2).to(y.scalar_type());
        auto pooled = (y * weights).sum(1) / weights.sum(1);
        return proj_(norm_(pooled));
    }

    torch::Tensor forward_tokens(const torch::Tensor& ids) override {
        auto mask = token_mask(ids);
        auto positions = torch::arange(ids.size(1), ids.options());
        auto x = (embed_(ids) + position_(positions).unsqueeze(0)).transpose(0, 1);
        return layers_(x, torch::Tensor(), mask.logical_not()).transpose(0, 1);
    }

    int64_t token_width() const override { return embed_->options.embedding_dim(); }

private:
    nn::Embedding embed_{nullptr}, position_{nullptr};
    nn::TransformerEncoder layers_{nullptr};
    nn::LayerNorm norm_{nullptr};
    nn::Linear proj_{nullptr};
};

torch::Tensor dropout_with(const torch::Tensor& x, double p, at::Generator* generator) {
    auto keep = torch::empty_like(x);
    if (generator != nullptr && x.is_cpu()) {
        keep.bernoulli_(1.0 - p, *generator);
    } else {
        keep.bernoulli_(1.0 - p);
    }
    return x * keep * (1.0 / (1.0 - p));
}

// Weight initialisation draws from the process-wide generator; serialising it with a reseed gives
// each model its config seed's weights even when several threads create models at once.
std::mutex init_mutex;

}  // namespace

uint32_t architecture_revision(int32_t kind) {
    switch (kind) {
        case LL_KIND_IMAGE_CNN:
        case LL_KIND_TEXT_CONV:
        case LL_KIND_TEXT_TRANSFORMER:
            return 1;
        default:
            return 0;
    }
}

const char* kind_name(int32_t kind) {
    switch (kind) {
        case LL_KIND_IMAGE_CNN:
            return "image-cnn";
        case LL_KIND_TEXT_CONV:
            return "text-conv";
        case LL_KIND_TEXT_TRANSFORMER:
            return "text-transformer";
        default:
            return "unknown";
    }
}

NetImpl::NetImpl(const ll_model_config& c) : dropout(c.dropout) {
    switch (c.kind) {
        case LL_KIND_IMAGE_CNN:
            encoder = register_module("encoder", std::make_shared<ImageEncoderImpl>(c));
            break;
        case LL_KIND_TEXT_CONV:
            encoder = register_module("encoder", std::make_shared<TextConvEncoderImpl>(c));
            break;
        case LL_KIND_TEXT_TRANSFORMER:
            encoder = register_module("encoder", std::make_shared<TextTransformerEncoderImpl>(c));
            break;
        default:
            fail(LL_INVALID_ARGUMENT, "unknown model kind ", c.kind);
    }
    fc1 = register_module("fc1", nn::Linear(c.embedding_dim, c.embedding_dim));
    fc2 = register_module("fc2", nn::Linear(c.embedding_dim, c.n_classes));
}

torch::Tensor NetImpl::head(const torch::Tensor& embedding, bool stochastic,
                            at::Generator* generator) {
    const bool drop = stochastic && dropout > 0.0;
    auto h = drop ? dropout_with(embedding, dropout, generator) : embedding;
    h = torch::relu(fc1(h));
    if (drop) {
        h = dropout_with(h, dropout, generator);
    }
    return fc2(h);
}

void validate_config(const ll_model_config& c) {
    require(c.struct_size == static_cast<int32_t>(sizeof(ll_model_config)),
            "ll_model_config.struct_size is ", c.struct_size, "; this library expects ",
            sizeof(ll_model_config));
    require(architecture_revision(c.kind) != 0, "kind is ", c.kind,
            "; expected LL_KIND_IMAGE_CNN (1), LL_KIND_TEXT_CONV (2) or LL_KIND_TEXT_TRANSFORMER (3)");
    require(c.n_classes >= 2 && c.n_classes <= 100000, "n_classes is ", c.n_classes,
            "; expected 2..100000");
    require(c.embedding_dim >= 1 && c.embedding_dim <= 8192, "embedding_dim is ", c.embedding_dim,
            "; expected 1..8192");
    require(c.width >= 1 && c.width <= 1024, "width is ", c.width, "; expected 1..1024");
    require(std::isfinite(c.dropout) && c.dropout >= 0.0f && c.dropout < 1.0f, "dropout is ",
            c.dropout, "; expected [0, 1)");
    if (c.kind == LL_KIND_IMAGE_CNN) {
        require(c.channels == 1 || c.channels == 3, "channels is ", c.channels,
                "; expected 1 (grayscale) or 3 (RGB)");
        require(c.image_size >= 8 && c.image_size <= 1024, "image_size is ", c.image_size,
                "; expected 8..1024");
    } else {
        require(c.vocab_size >= 2 && c.vocab_size <= 50000000, "vocab_size is ", c.vocab_size,
                "; expected 2..50000000");
        require(c.max_tokens >= 1 && c.max_tokens <= 4096, "max_tokens is ", c.max_tokens,
                "; expected 1..4096");
        require(c.kind != LL_KIND_TEXT_TRANSFORMER || c.width % 4 == 0, "width is ", c.width,
                "; the transformer's 4 attention heads need a multiple of 4");
    }
}

torch::Tensor batch_input(const ll_model_config& c, const ll_batch* batch, const char* what) {
    require(batch != nullptr, what, " must not be NULL");
    const int64_t n = batch->n_items;
    require(n > 0, what, " has ", n, " items; at least one is needed");
    require(n <= (int64_t{1} << 31), what, " has ", n, " items; at most 2^31 are supported");
    if (c.kind == LL_KIND_IMAGE_CNN) {
        const int64_t per_item = int64_t{c.channels} * c.image_size * c.image_size;
        require(batch->pixels != nullptr, what, ".pixels is NULL but an ", kind_name(c.kind),
                " model reads pixels");
        require(batch->n_pixels == n * per_item, what, ".n_pixels is ", batch->n_pixels,
                " but ", n, " items x ", c.channels, "x", c.image_size, "x", c.image_size,
                " need ", n * per_item);
        auto x = torch::from_blob(const_cast<float*>(batch->pixels),
                                  {n, c.channels, c.image_size, c.image_size}, torch::kFloat32);
        // Checked in slices so the temporary mask stays small for a 60,000-image pool.
        for (int64_t start = 0; start < n; start += 4096) {
            auto slice = x.narrow(0, start, std::min<int64_t>(4096, n - start));
            auto bad = torch::isfinite(slice).logical_not().flatten(1).any(1);
            if (bad.any().item<bool>()) {
                const int64_t item = start + bad.nonzero()[0][0].item<int64_t>();
                const bool nan = torch::isnan(x[item]).any().item<bool>();
                fail(LL_INVALID_ARGUMENT, what, ".pixels of item ", item, " contain ",
                     nan ? "NaN" : "Inf", "; features must be finite");
            }
        }
        return x;
    }
    require(batch->tokens != nullptr, what, ".tokens is NULL but a ", kind_name(c.kind),
            " model reads token ids");
    require(batch->n_tokens == n * c.max_tokens, what, ".n_tokens is ", batch->n_tokens, " but ", n,
            " items x ", c.max_tokens, " tokens need ", n * c.max_tokens);
    auto ids = torch::from_blob(const_cast<int64_t*>(batch->tokens), {n, c.max_tokens},
                                torch::kInt64);
    auto bad = ids.lt(0).logical_or(ids.ge(c.vocab_size)).any(1);
    if (bad.any().item<bool>()) {
        const int64_t item = bad.nonzero()[0][0].item<int64_t>();
        auto row = ids[item];
        const int64_t position =
            row.lt(0).logical_or(row.ge(c.vocab_size)).nonzero()[0][0].item<int64_t>();
        fail(LL_INVALID_ARGUMENT, what, ".tokens of item ", item, " hold id ",
             row[position].item<int64_t>(), " at position ", position,
             "; ids must be in [0, vocab_size = ", c.vocab_size, ")");
    }
    return ids;
}

State snapshot(torch::nn::Module& module) {
    torch::NoGradGuard no_grad;
    State state;
    for (const auto& p : module.named_parameters()) {
        state.emplace_back(p.key(), p.value().detach().clone());
    }
    for (const auto& b : module.named_buffers()) {
        state.emplace_back(b.key(), b.value().detach().clone());
    }
    return state;
}

void restore(torch::nn::Module& module, const State& state) {
    torch::NoGradGuard no_grad;
    auto params = module.named_parameters();
    auto buffers = module.named_buffers();
    for (const auto& [name, value] : state) {
        if (auto* p = params.find(name)) {
            p->copy_(value);
        } else if (auto* b = buffers.find(name)) {
            b->copy_(value);
        }
    }
}

torch::Device resolve_device(int32_t device) {
    switch (device) {
        case LL_DEVICE_AUTO:
            return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0)
                                               : torch::Device(torch::kCPU);
        case LL_DEVICE_CPU:
            return torch::Device(torch::kCPU);
        case LL_DEVICE_CUDA:
            require(torch::cuda::is_available(),
                    "device is LL_DEVICE_CUDA but CUDA is not available (this libtorch ",
                    torch::cuda::is_available() ? "has" : "lacks or cannot reach",
                    " a CUDA device); use LL_DEVICE_AUTO or LL_DEVICE_CPU");
            return torch::Device(torch::kCUDA, 0);
        default:
            fail(LL_INVALID_ARGUMENT, "device is ", device,
                 "; expected LL_DEVICE_AUTO (0), LL_DEVICE_CPU (1) or LL_DEVICE_CUDA (2)");
    }
}

}  // namespace ll

ll_model::ll_model(const ll_model_config& c, torch::Device d) : config(c), device(d) {
    {
        std::lock_guard<std::mutex> lock(ll::init_mutex);
        torch::manual_seed(c.seed);
        net = std::make_shared<ll::NetImpl>(c);
    }
    net->to(device);
    net->eval();
}

namespace ll {
namespace {

constexpr char kMagic[8] = {'L', 'L', 'M', 'O', 'D', 'E', 'L', '\0'};
// magic, format, revision, 8 int32 fields, dropout, seed, payload size, payload checksum
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8 * 4 + 4 + 8 + 8 + 8;

void put_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const unsigned char* p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
    return v;
}
uint64_t get_u64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

// FNV-1a: not cryptographic, only a guard against truncated or bit-flipped payloads.
uint64_t checksum(const std::string& bytes) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string io_reason() { return std::strerror(errno); }

void expect_equal(const std::string& path, const char* field, int32_t found, int32_t expected) {
    require(found == expected, "checkpoint '", path, "' has ", field, " = ", found, " but ",
            expected, " was expected");
}

}  // namespace

void save_checkpoint(ll_model& model, const std::string& path) {
    torch::serialize::OutputArchive archive;
    model.net->save(archive);
    std::ostringstream payload_stream;
    archive.save_to(payload_stream);
    const std::string payload = payload_stream.str();

    const ll_model_config& c = model.config;
    std::string header(kMagic, sizeof(kMagic));
    put_u32(header, kCheckpointFormat);
    put_u32(header, architecture_revision(c.kind));
    for (int32_t v : {c.kind, c.n_classes, c.embedding_dim, c.width, c.channels, c.image_size,
                      c.vocab_size, c.max_tokens}) {
        put_u32(header, static_cast<uint32_t>(v));
    }
    uint32_t dropout_bits = 0;
    std::memcpy(&dropout_bits, &c.dropout, sizeof(dropout_bits));
    put_u32(header, dropout_bits);
    put_u64(header, c.seed);
    put_u64(header, payload.size());
    put_u64(header, checksum(payload));

    const std::string temp = path + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) {
            fail(LL_IO_ERROR, "cannot create '", temp, "': ", io_reason());
        }
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
        out.flush();
        if (!out) {
            const std::string reason = io_reason();
            out.close();
            std::remove(temp.c_str());
            fail(LL_IO_ERROR, "cannot write '", temp, "': ", reason);
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string reason = io_reason();
        std::remove(temp.c_str());
        fail(LL_IO_ERROR, "cannot rename '", temp, "' to '", path, "': ", reason);
    }
}

std::unique_ptr<ll_model> load_checkpoint(const std::string& path, torch::Device device,
                                          const ll_model_config* expected) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(LL_IO_ERROR, "cannot open checkpoint '", path, "': ", io_reason());
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        fail(LL_IO_ERROR, "cannot read checkpoint '", path, "': ", io_reason());
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    if (bytes.size() >= sizeof(kMagic) && std::memcmp(p, kMagic, sizeof(kMagic)) != 0) {
        fail(LL_IO_ERROR, "'", path, "' is not a LabelLoop checkpoint (unknown file signature)");
    }
    if (bytes.size() < kHeaderSize) {
        fail(LL_IO_ERROR, "checkpoint '", path, "' is truncated: its header needs ", kHeaderSize,
             " bytes but the file has ", bytes.size());
    }
    const uint32_t format = get_u32(p + 8);
    require(format == kCheckpointFormat, "checkpoint '", path, "' uses format version ", format,
            "; this library reads version ", kCheckpointFormat);

    ll_model_config c{};
    c.struct_size = sizeof(ll_model_config);
    const unsigned char* f = p + 16;
    int32_t* fields[] = {&c.kind,       &c.n_classes,  &c.embedding_dim, &c.width,
                         &c.channels,   &c.image_size, &c.vocab_size,    &c.max_tokens};
    for (int32_t* field : fields) {
        *field = static_cast<int32_t>(get_u32(f));
        f += 4;
    }
    const uint32_t dropout_bits = get_u32(f);
    std::memcpy(&c.dropout, &dropout_bits, sizeof(c.dropout));
    c.seed = get_u64(f + 4);
    const uint64_t payload_size = get_u64(f + 12);
    const uint64_t payload_sum = get_u64(f + 20);

    const uint32_t revision = get_u32(p + 12);
    require(architecture_revision(c.kind) != 0, "checkpoint '", path, "' holds model kind ",
            c.kind, ", which this library does not know");
    require(revision == architecture_revision(c.kind), "checkpoint '", path, "' holds a ",
            kind_name(c.kind), " model of architecture revision ", revision,
            "; this library builds revision ", architecture_revision(c.kind));
    if (expected != nullptr) {
        require(expected->struct_size == static_cast<int32_t>(sizeof(ll_model_config)),
                "expected->struct_size is ", expected->struct_size, "; this library expects ",
                sizeof(ll_model_config));
        require(c.kind == expected->kind, "checkpoint '", path, "' holds a ", kind_name(c.kind),
                " model but a ", kind_name(expected->kind), " model was expected");
        expect_equal(path, "n_classes", c.n_classes, expected->n_classes);
        expect_equal(path, "embedding_dim", c.embedding_dim, expected->embedding_dim);
        expect_equal(path, "width", c.width, expected->width);
        if (c.kind == LL_KIND_IMAGE_CNN) {
            expect_equal(path, "channels", c.channels, expected->channels);
            expect_equal(path, "image_size", c.image_size, expected->image_size);
        } else {
            expect_equal(path, "vocab_size", c.vocab_size, expected->vocab_size);
            expect_equal(path, "max_tokens", c.max_tokens, expected->max_tokens);
        }
    }
    validate_config(c);

    const uint64_t available = bytes.size() - kHeaderSize;
    if (payload_size > available) {
        fail(LL_IO_ERROR, "checkpoint '", path, "' is truncated: its weights need ", payload_size,
             " bytes but only ", available, " follow the header");
    }
    std::string payload = bytes.substr(kHeaderSize, payload_size);
    if (checksum(payload) != payload_sum) {
        fail(LL_IO_ERROR, "checkpoint '", path, "' is corrupt: the weights fail their checksum");
    }
    bytes.clear();

    auto model = std::make_unique<ll_model>(c, device);
    std::istringstream payload_stream(payload);
    torch::serialize::InputArchive archive;
    archive.load_from(payload_stream, device);
    model->net->load(archive);
    model->net->to(device);
    model->net->eval();
    return model;
}

}  // namespace ll
