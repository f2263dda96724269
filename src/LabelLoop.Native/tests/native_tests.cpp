// Tests of the C ABI through the public header only, as the managed engine uses it.
#include "labelloop_native.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct ModelDeleter {
    void operator()(ll_model* m) const noexcept { ll_model_free(m); }
};
using Model = std::unique_ptr<ll_model, ModelDeleter>;

std::string last_error() {
    std::vector<char> buf(static_cast<size_t>(ll_last_error(nullptr, 0)) + 1);
    ll_last_error(buf.data(), static_cast<int32_t>(buf.size()));
    return buf.data();
}

// Small deterministic generator so the data does not depend on the C library's rand().
struct Lcg {
    uint64_t state;
    uint32_t next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<uint32_t>(state >> 33);
    }
    float uniform() { return static_cast<float>(next()) / 2147483648.0f; }
};

constexpr int kSize = 16;
constexpr int kClasses = 4;

ll_model_config image_config(uint64_t seed = 7) {
    ll_model_config c{};
    c.struct_size = sizeof(c);
    c.kind = LL_KIND_IMAGE_CNN;
    c.n_classes = kClasses;
    c.embedding_dim = 32;
    c.width = 8;
    c.channels = 1;
    c.image_size = kSize;
    c.dropout = 0.3f;
    c.seed = seed;
    return c;
}

// Class k is a bright square in quadrant k over uniform noise.
struct ImageData {
    std::vector<float> pixels;
    std::vector<int32_t> labels;
    ll_batch batch() const {
        ll_batch b{};
        b.n_items = static_cast<int64_t>(labels.size());
        b.pixels = pixels.data();
        b.n_pixels = static_cast<int64_t>(pixels.size());
        return b;
    }
};

ImageData make_images(int n, uint64_t seed) {
    ImageData d;
    Lcg rng{seed};
    d.pixels.resize(static_cast<size_t>(n) * kSize * kSize);
    for (int i = 0; i < n; ++i) {
        const int k = static_cast<int>(rng.next() % kClasses);
        d.labels.push_back(k);
        float* img = d.pixels.data() + static_cast<size_t>(i) * kSize * kSize;
        const int oy = (k / 2) * 8, ox = (k % 2) * 8;
        for (int y = 0; y < kSize; ++y) {
            for (int x = 0; x < kSize; ++x) {
                const bool in = y >= oy + 1 && y < oy + 7 && x >= ox + 1 && x < ox + 7;
                img[y * kSize + x] = 0.3f * rng.uniform() + (in ? 0.6f : 0.0f);
            }
        }
    }
    return d;
}

ll_train_options train_options(int epochs = 6) {
    ll_train_options o{};
    o.struct_size = sizeof(o);
    o.epochs = epochs;
    o.batch_size = 32;
    o.optimizer = LL_OPTIMIZER_ADAMW;
    o.learning_rate = 3e-3f;
    o.weight_decay = 1e-4f;
    o.encoder_lr_multiplier = 1.0f;
    o.schedule = LL_SCHEDULE_COSINE;
    o.validation_fraction = 0.2f;
    o.seed = 11;
    return o;
}

ll_train_result empty_result() {
    ll_train_result r{};
    r.struct_size = sizeof(r);
    return r;
}

Model create(const ll_model_config& c) {
    ll_model* m = nullptr;
    EXPECT_EQ(ll_model_create(&c, LL_DEVICE_CPU, &m), LL_OK) << last_error();
    return Model(m);
}

std::vector<float> predict(ll_model* m, const ll_batch& b, int classes = kClasses) {
    std::vector<float> probs(static_cast<size_t>(b.n_items) * classes);
    int64_t written = 0;
    EXPECT_EQ(ll_model_predict(m, &b, probs.data(), static_cast<int64_t>(probs.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_EQ(written, static_cast<int64_t>(probs.size()));
    return probs;
}

double accuracy(const std::vector<float>& probs, const std::vector<int32_t>& labels, int k) {
    int correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        int best = 0;
        for (int c = 1; c < k; ++c) {
            if (probs[i * k + c] > probs[i * k + best]) best = c;
        }
        correct += best == labels[i];
    }
    return static_cast<double>(correct) / labels.size();
}

void train(ll_model* m, const ImageData& d, const ll_train_options& o) {
    auto r = empty_result();
    auto b = d.batch();
    ASSERT_EQ(ll_model_train(m, &b, d.labels.data(), static_cast<int64_t>(d.labels.size()), nullptr,
                             0, &o, nullptr, nullptr, &r),
              LL_OK)
        << last_error();
}

fs::path temp_path(const std::string& name) {
    auto dir = fs::temp_directory_path() / ("ll_native_tests_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

class Trained : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_EQ(ll_engine_init(2, 1), LL_OK);
        data_ = new ImageData(make_images(400, 3));
        test_ = new ImageData(make_images(200, 4));
        model_ = create(image_config()).release();
        train(model_, *data_, train_options());
    }
    static void TearDownTestSuite() {
        ll_model_free(model_);
        delete data_;
        delete test_;
    }
    static ll_model* model_;
    static ImageData* data_;
    static ImageData* test_;
};
ll_model* Trained::model_ = nullptr;
ImageData* Trained::data_ = nullptr;
ImageData* Trained::test_ = nullptr;

TEST(Engine, Abi_version_matches_the_header) { EXPECT_EQ(ll_abi_version(), LL_ABI_VERSION); }

TEST(Engine, Describe_reports_version_and_threads) {
    ASSERT_EQ(ll_engine_init(2, 1), LL_OK);
    ll_engine_info info{};
    info.struct_size = sizeof(info);
    ASSERT_EQ(ll_engine_describe(&info), LL_OK) << last_error();
    EXPECT_EQ(info.abi_version, LL_ABI_VERSION);
    EXPECT_EQ(info.threads, 2);
    EXPECT_STRNE(info.torch_version, "");
    EXPECT_EQ(info.cuda_available, ll_engine_cuda_available());
}

TEST(Engine, Blas_measurement_gives_a_positive_rate) {
    double gflops = 0;
    ASSERT_EQ(ll_engine_measure_blas(128, 2, &gflops), LL_OK) << last_error();
    EXPECT_GT(gflops, 0.0);
    EXPECT_EQ(ll_engine_measure_blas(1, 2, &gflops), LL_INVALID_ARGUMENT);
}

TEST(Engine, Last_error_is_truncated_and_reports_its_full_length) {
    ll_model* m = nullptr;
    ASSERT_EQ(ll_model_create(nullptr, LL_DEVICE_CPU, &m), LL_INVALID_ARGUMENT);
    const int32_t length = ll_last_error(nullptr, 0);
    ASSERT_GT(length, 10);
    char small[8];
    EXPECT_EQ(ll_last_error(small, sizeof(small)), length);
    EXPECT_EQ(std::string(small).size(), 7u);
    EXPECT_EQ(last_error().size(), static_cast<size_t>(length));
    EXPECT_NE(last_error().find("ll_model_create"), std::string::npos);
}

// No skip either way: without a GPU the request must fail cleanly, with one it must work.
TEST(Engine, Cuda_device_works_when_present_and_fails_clearly_when_absent) {
    auto c = image_config();
    ll_model* m = nullptr;
    if (ll_engine_cuda_available() == 0) {
        EXPECT_EQ(ll_model_create(&c, LL_DEVICE_CUDA, &m), LL_INVALID_ARGUMENT);
        EXPECT_EQ(m, nullptr);
        EXPECT_NE(last_error().find("CUDA is not available"), std::string::npos);
        return;
    }
    ASSERT_EQ(ll_model_create(&c, LL_DEVICE_CUDA, &m), LL_OK) << last_error();
    Model gpu(m);
    int32_t device = 0;
    ll_model_config described{};
    described.struct_size = sizeof(described);
    ASSERT_EQ(ll_model_describe(gpu.get(), &described, &device), LL_OK);
    EXPECT_EQ(device, LL_DEVICE_CUDA);
    auto d = make_images(64, 5);
    train(gpu.get(), d, train_options(2));
    const auto path = temp_path("gpu.llm").string();
    ASSERT_EQ(ll_model_save(gpu.get(), path.c_str()), LL_OK) << last_error();
    ll_model* cpu = nullptr;
    ASSERT_EQ(ll_model_load(path.c_str(), LL_DEVICE_CPU, nullptr, &cpu), LL_OK) << last_error();
    Model cpu_owner(cpu);
    const auto on_gpu = predict(gpu.get(), d.batch());
    const auto on_cpu = predict(cpu, d.batch());
    for (size_t i = 0; i < on_gpu.size(); ++i) EXPECT_NEAR(on_gpu[i], on_cpu[i], 1e-3f);
}

TEST(Create, Rejects_bad_configurations_naming_the_field) {
    struct Case {
        void (*mutate)(ll_model_config&);
        const char* field;
    };
    const Case cases[] = {
        {[](ll_model_config& c) { c.struct_size = 4; }, "struct_size"},
        {[](ll_model_config& c) { c.kind = 9; }, "kind"},
        {[](ll_model_config& c) { c.n_classes = 1; }, "n_classes"},
        {[](ll_model_config& c) { c.channels = 2; }, "channels"},
        {[](ll_model_config& c) { c.image_size = 4; }, "image_size"},
        {[](ll_model_config& c) { c.dropout = std::numeric_limits<float>::quiet_NaN(); }, "dropout"},
        {[](ll_model_config& c) { c.embedding_dim = 0; }, "embedding_dim"},
    };
    for (const auto& k : cases) {
        auto c = image_config();
        k.mutate(c);
        // A stale pointer in the out-parameter must be cleared, never left for a wrapper to free.
        auto* m = reinterpret_cast<ll_model*>(uintptr_t{0x1});
        EXPECT_EQ(ll_model_create(&c, LL_DEVICE_CPU, &m), LL_INVALID_ARGUMENT) << k.field;
        EXPECT_EQ(m, nullptr);
        EXPECT_NE(last_error().find(k.field), std::string::npos) << last_error();
    }
}

TEST(Create, Same_seed_gives_same_initial_predictions) {
    auto d = make_images(20, 1);
    auto a = create(image_config(5));
    auto b = create(image_config(5));
    auto c = create(image_config(6));
    EXPECT_EQ(predict(a.get(), d.batch()), predict(b.get(), d.batch()));
    EXPECT_NE(predict(a.get(), d.batch()), predict(c.get(), d.batch()));
}

TEST_F(Trained, Image_model_learns_the_quadrant_task) {
    auto probs = predict(model_, test_->batch());
    EXPECT_GE(accuracy(probs, test_->labels, kClasses), 0.9);
    for (size_t i = 0; i < test_->labels.size(); ++i) {
        float sum = 0;
        for (int k = 0; k < kClasses; ++k) sum += probs[i * kClasses + k];
        EXPECT_NEAR(sum, 1.0f, 1e-4f);
    }
}

TEST_F(Trained, Training_is_deterministic_for_a_seed) {
    auto other = create(image_config());
    train(other.get(), *data_, train_options());
    EXPECT_EQ(predict(model_, test_->batch()), predict(other.get(), test_->batch()));
}

TEST_F(Trained, Plain_prediction_is_repeatable_and_mc_dropout_varies) {
    auto b = test_->batch();
    EXPECT_EQ(predict(model_, b), predict(model_, b));
    const int passes = 5;
    std::vector<float> mc(static_cast<size_t>(passes) * b.n_items * kClasses);
    int64_t written = 0;
    ASSERT_EQ(ll_model_predict_mc(model_, &b, passes, 42, mc.data(),
                                  static_cast<int64_t>(mc.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_EQ(written, static_cast<int64_t>(mc.size()));
    const size_t per_pass = static_cast<size_t>(b.n_items) * kClasses;
    double diff = 0;
    for (size_t j = 0; j < per_pass; ++j) diff += std::fabs(mc[j] - mc[per_pass + j]);
    EXPECT_GT(diff, 1e-3);
    std::vector<float> again(mc.size());
    ASSERT_EQ(ll_model_predict_mc(model_, &b, passes, 42, again.data(),
                                  static_cast<int64_t>(again.size()), &written),
              LL_OK);
    EXPECT_EQ(mc, again);
}

TEST_F(Trained, Embed_writes_one_vector_per_item) {
    auto b = test_->batch();
    std::vector<float> e(static_cast<size_t>(b.n_items) * 32);
    int64_t written = 0;
    ASSERT_EQ(ll_model_embed(model_, &b, e.data(), static_cast<int64_t>(e.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_EQ(written, static_cast<int64_t>(e.size()));
    EXPECT_EQ(ll_model_embed(model_, &b, e.data(), 3, &written), LL_INVALID_ARGUMENT);
}

TEST_F(Trained, Checkpoint_round_trip_gives_identical_probabilities) {
    const auto path = temp_path("roundtrip.llm").string();
    ASSERT_EQ(ll_model_save(model_, path.c_str()), LL_OK) << last_error();
    ll_model* loaded = nullptr;
    auto expected = image_config();
    ASSERT_EQ(ll_model_load(path.c_str(), LL_DEVICE_CPU, &expected, &loaded), LL_OK)
        << last_error();
    Model owner(loaded);
    EXPECT_EQ(predict(model_, test_->batch()), predict(loaded, test_->batch()));
}

TEST_F(Trained, Checkpoint_loads_in_another_process) {
    const auto checkpoint = temp_path("child.llm").string();
    const auto input = temp_path("child.in").string();
    const auto output = temp_path("child.out").string();
    ASSERT_EQ(ll_model_save(model_, checkpoint.c_str()), LL_OK) << last_error();
    {
        std::ofstream in(input, std::ios::binary);
        in.write(reinterpret_cast<const char*>(test_->pixels.data()),
                 static_cast<std::streamsize>(test_->pixels.size() * sizeof(float)));
    }
    const std::string command = std::string(LL_PROBE_PATH) + " " + checkpoint + " " + input + " " +
                                std::to_string(test_->labels.size()) + " " + output;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream out(output, std::ios::binary);
    std::vector<float> child(test_->labels.size() * kClasses);
    out.read(reinterpret_cast<char*>(child.data()),
             static_cast<std::streamsize>(child.size() * sizeof(float)));
    EXPECT_EQ(predict(model_, test_->batch()), child);
}

TEST_F(Trained, Copy_encoder_transfers_the_embedding) {
    auto fresh = create(image_config(99));
    auto b = test_->batch();
    std::vector<float> e1(static_cast<size_t>(b.n_items) * 32), e2(e1.size());
    int64_t w = 0;
    ASSERT_EQ(ll_model_copy_encoder(model_, fresh.get()), LL_OK) << last_error();
    ASSERT_EQ(ll_model_embed(model_, &b, e1.data(), static_cast<int64_t>(e1.size()), &w), LL_OK);
    ASSERT_EQ(ll_model_embed(fresh.get(), &b, e2.data(), static_cast<int64_t>(e2.size()), &w),
              LL_OK);
    EXPECT_EQ(e1, e2);

    auto wider = image_config();
    wider.width = 16;
    auto other = create(wider);
    EXPECT_EQ(ll_model_copy_encoder(model_, other.get()), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("shape"), std::string::npos) << last_error();
}

TEST_F(Trained, Frozen_encoder_keeps_its_weights) {
    auto m = create(image_config(3));
    ASSERT_EQ(ll_model_copy_encoder(model_, m.get()), LL_OK);
    auto o = train_options(2);
    o.encoder_lr_multiplier = 0.0f;
    train(m.get(), *data_, o);
    auto b = test_->batch();
    std::vector<float> e1(static_cast<size_t>(b.n_items) * 32), e2(e1.size());
    int64_t w = 0;
    ASSERT_EQ(ll_model_embed(model_, &b, e1.data(), static_cast<int64_t>(e1.size()), &w), LL_OK);
    ASSERT_EQ(ll_model_embed(m.get(), &b, e2.data(), static_cast<int64_t>(e2.size()), &w), LL_OK);
    EXPECT_EQ(e1, e2);
}

int32_t cancel_at_second_batch(const ll_progress* p, void* user) {
    ++*static_cast<int*>(user);
    return p->batch >= 2 ? 1 : 0;
}

TEST_F(Trained, Cancellation_stops_training_and_rolls_back) {
    auto before = predict(model_, test_->batch());
    int calls = 0;
    auto r = empty_result();
    auto b = data_->batch();
    auto o = train_options(50);
    EXPECT_EQ(ll_model_train(model_, &b, data_->labels.data(),
                             static_cast<int64_t>(data_->labels.size()), nullptr, 0, &o,
                             cancel_at_second_batch, &calls, &r),
              LL_CANCELLED);
    EXPECT_EQ(calls, 2);
    EXPECT_NE(last_error().find("cancelled"), std::string::npos);
    EXPECT_EQ(before, predict(model_, test_->batch()));
}

struct Progress {
    int epoch_ends = 0;
    float last_accuracy = -1;
};

int32_t record_progress(const ll_progress* p, void* user) {
    auto* progress = static_cast<Progress*>(user);
    if (p->epoch_end != 0) {
        ++progress->epoch_ends;
        progress->last_accuracy = p->val_accuracy;
    }
    return 0;
}

TEST(Train, Reports_progress_each_epoch_and_stops_early) {
    auto d = make_images(200, 9);
    auto m = create(image_config());
    auto o = train_options(30);
    o.patience = 2;
    o.augment = LL_AUGMENT_CROP | LL_AUGMENT_FLIP | LL_AUGMENT_JITTER | LL_AUGMENT_NOISE;
    o.crop_padding = 2;
    o.jitter = 0.2f;
    o.noise_std = 0.05f;
    o.schedule = LL_SCHEDULE_STEP;
    o.step_epochs = 3;
    o.step_gamma = 0.5f;
    const float weights[kClasses] = {1.0f, 2.0f, 1.0f, 0.5f};
    Progress progress;
    auto r = empty_result();
    auto b = d.batch();
    ASSERT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 200, weights, kClasses, &o,
                             record_progress, &progress, &r),
              LL_OK)
        << last_error();
    EXPECT_EQ(progress.epoch_ends, r.epochs_run);
    EXPECT_EQ(r.n_validation, 40);
    EXPECT_EQ(r.n_train, 160);
    EXPECT_GE(progress.last_accuracy, 0.0f);
    EXPECT_GE(r.best_val_accuracy, 0.5f);
    if (r.stopped_early != 0) {
        EXPECT_LT(r.epochs_run, 30);
        EXPECT_EQ(r.epochs_run - r.best_epoch, 2);
    }
}

TEST(BadInput, Predict_rejects_wrong_sizes_nan_and_zero_items) {
    auto m = create(image_config());
    auto d = make_images(4, 1);
    std::vector<float> probs(16);
    int64_t written = -1;

    auto b = d.batch();
    b.n_pixels -= 1;
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("n_pixels"), std::string::npos) << last_error();

    b = d.batch();
    b.n_items = 0;
    b.n_pixels = 0;
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("0 items"), std::string::npos) << last_error();

    d.pixels[kSize * kSize * 2 + 5] = std::numeric_limits<float>::quiet_NaN();
    b = d.batch();
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("item 2 contain NaN"), std::string::npos) << last_error();
    d.pixels[kSize * kSize * 2 + 5] = std::numeric_limits<float>::infinity();
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("Inf"), std::string::npos) << last_error();
    d.pixels[kSize * kSize * 2 + 5] = 0.0f;

    b = d.batch();
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 15, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("probs holds 15"), std::string::npos) << last_error();
    EXPECT_EQ(ll_model_predict(m.get(), nullptr, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_EQ(ll_model_predict(nullptr, &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    b.pixels = nullptr;
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 16, &written), LL_INVALID_ARGUMENT);
    EXPECT_EQ(written, -1);
}

TEST(BadInput, Train_rejects_labels_outside_the_class_range_and_bad_options) {
    auto m = create(image_config());
    auto d = make_images(10, 1);
    auto b = d.batch();
    auto o = train_options(1);
    auto r = empty_result();
    d.labels[3] = kClasses;
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 10, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("label 4 at index 3"), std::string::npos) << last_error();
    d.labels[3] = -1;
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 10, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    d.labels[3] = 0;
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 9, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("n_labels"), std::string::npos) << last_error();
    const float weights[2] = {1, 1};
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 10, weights, 2, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("n_class_weights"), std::string::npos) << last_error();
    o.learning_rate = -1;
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 10, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("learning_rate"), std::string::npos) << last_error();
    o = train_options(1);
    o.struct_size = 8;
    EXPECT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 10, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_INVALID_ARGUMENT);
    EXPECT_EQ(r.epochs_run, 0);
}

class Checkpoints : public ::testing::Test {
protected:
    void SetUp() override {
        model_ = create(image_config());
        path_ = temp_path("bad.llm").string();
        ASSERT_EQ(ll_model_save(model_.get(), path_.c_str()), LL_OK) << last_error();
        std::ifstream in(path_, std::ios::binary);
        bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    void write(const std::string& bytes) {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    ll_status load(const ll_model_config* expected = nullptr) {
        auto* m = reinterpret_cast<ll_model*>(uintptr_t{0x1});
        const ll_status s = ll_model_load(path_.c_str(), LL_DEVICE_CPU, expected, &m);
        Model owner(m);
        if (s != LL_OK) {
            EXPECT_EQ(m, nullptr);
        }
        return s;
    }
    Model model_;
    std::string path_;
    std::string bytes_;
};

TEST_F(Checkpoints, Missing_file_is_an_io_error) {
    path_ = temp_path("does-not-exist.llm").string();
    EXPECT_EQ(load(), LL_IO_ERROR);
    EXPECT_NE(last_error().find("No such file"), std::string::npos) << last_error();
}

TEST_F(Checkpoints, Truncated_file_is_an_io_error) {
    for (size_t keep : {size_t{0}, size_t{20}, bytes_.size() / 2, bytes_.size() - 1}) {
        write(bytes_.substr(0, keep));
        EXPECT_EQ(load(), LL_IO_ERROR) << keep;
        EXPECT_NE(last_error().find("truncated"), std::string::npos) << last_error();
    }
}

TEST_F(Checkpoints, Corrupt_weights_fail_their_checksum) {
    auto bytes = bytes_;
    bytes[bytes.size() - 100] ^= 0x40;
    write(bytes);
    EXPECT_EQ(load(), LL_IO_ERROR);
    EXPECT_NE(last_error().find("checksum"), std::string::npos) << last_error();
}

TEST_F(Checkpoints, Other_files_and_versions_are_rejected) {
    write("PNG and other things that are not checkpoints at all, long enough for a header....");
    EXPECT_EQ(load(), LL_IO_ERROR);
    EXPECT_NE(last_error().find("not a LabelLoop checkpoint"), std::string::npos);

    auto bytes = bytes_;
    bytes[8] = 9;  // format version
    write(bytes);
    EXPECT_EQ(load(), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("format version 9"), std::string::npos) << last_error();

    bytes = bytes_;
    bytes[12] = 5;  // architecture revision
    write(bytes);
    EXPECT_EQ(load(), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("revision 5"), std::string::npos) << last_error();
}

TEST_F(Checkpoints, Another_architecture_fails_naming_the_difference) {
    auto expected = image_config();
    expected.n_classes = 7;
    EXPECT_EQ(load(&expected), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("n_classes = 4 but 7"), std::string::npos) << last_error();
    expected = image_config();
    expected.kind = LL_KIND_TEXT_CONV;
    EXPECT_EQ(load(&expected), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("image-cnn model but a text-conv"), std::string::npos)
        << last_error();
    expected = image_config();
    EXPECT_EQ(load(&expected), LL_OK) << last_error();
}

TEST(Checkpoint, Save_to_an_unwritable_path_is_an_io_error) {
    auto m = create(image_config());
    EXPECT_EQ(ll_model_save(m.get(), "/nonexistent-dir/x.llm"), LL_IO_ERROR);
    EXPECT_NE(last_error().find("/nonexistent-dir/x.llm"), std::string::npos) << last_error();
}

// Text: class 0 items contain token 5, class 1 items token 7, among filler tokens 10..49.
struct TextData {
    std::vector<int64_t> tokens;
    std::vector<int32_t> labels;
    ll_batch batch() const {
        ll_batch b{};
        b.n_items = static_cast<int64_t>(labels.size());
        b.tokens = tokens.data();
        b.n_tokens = static_cast<int64_t>(tokens.size());
        return b;
    }
};

constexpr int kTokens = 8;

TextData make_text(int n, uint64_t seed) {
    TextData d;
    Lcg rng{seed};
    for (int i = 0; i < n; ++i) {
        const int k = static_cast<int>(rng.next() % 2);
        d.labels.push_back(k);
        const int length = 2 + static_cast<int>(rng.next() % (kTokens - 1));
        const int marker = static_cast<int>(rng.next() % length);
        for (int t = 0; t < kTokens; ++t) {
            int64_t id = 0;
            if (t < length) id = t == marker ? (k == 0 ? 5 : 7) : 10 + rng.next() % 40;
            d.tokens.push_back(id);
        }
    }
    return d;
}

ll_model_config text_config(int32_t kind) {
    ll_model_config c{};
    c.struct_size = sizeof(c);
    c.kind = kind;
    c.n_classes = 2;
    c.embedding_dim = 16;
    c.width = 16;
    c.vocab_size = 50;
    c.max_tokens = kTokens;
    c.dropout = 0.1f;
    c.seed = 3;
    return c;
}

class TextModels : public ::testing::TestWithParam<int32_t> {};

TEST_P(TextModels, Learns_a_marker_token_task_and_round_trips) {
    auto d = make_text(300, 1);
    auto t = make_text(100, 2);
    auto m = create(text_config(GetParam()));
    auto o = train_options(8);
    o.learning_rate = 5e-3f;
    auto r = empty_result();
    auto b = d.batch();
    ASSERT_EQ(ll_model_train(m.get(), &b, d.labels.data(), 300, nullptr, 0, &o, nullptr, nullptr,
                             &r),
              LL_OK)
        << last_error();
    auto probs = predict(m.get(), t.batch(), 2);
    EXPECT_GE(accuracy(probs, t.labels, 2), 0.9);

    const auto path = temp_path("text.llm").string();
    ASSERT_EQ(ll_model_save(m.get(), path.c_str()), LL_OK) << last_error();
    ll_model* loaded = nullptr;
    ASSERT_EQ(ll_model_load(path.c_str(), LL_DEVICE_CPU, nullptr, &loaded), LL_OK) << last_error();
    Model owner(loaded);
    EXPECT_EQ(probs, predict(loaded, t.batch(), 2));
}

TEST_P(TextModels, Rejects_token_ids_outside_the_vocabulary) {
    auto t = make_text(4, 2);
    t.tokens[kTokens * 2 + 1] = 50;
    auto m = create(text_config(GetParam()));
    std::vector<float> probs(8);
    int64_t written = 0;
    auto b = t.batch();
    EXPECT_EQ(ll_model_predict(m.get(), &b, probs.data(), 8, &written), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("item 2 hold id 50 at position 1"), std::string::npos)
        << last_error();
}

TEST_P(TextModels, Items_without_tokens_still_get_probabilities) {
    std::vector<int64_t> tokens(2 * kTokens, 0);
    tokens[0] = 12;
    ll_batch b{};
    b.n_items = 2;
    b.tokens = tokens.data();
    b.n_tokens = static_cast<int64_t>(tokens.size());
    auto m = create(text_config(GetParam()));
    for (float p : predict(m.get(), b, 2)) EXPECT_TRUE(std::isfinite(p));
}

INSTANTIATE_TEST_SUITE_P(Kinds, TextModels,
                         ::testing::Values(LL_KIND_TEXT_CONV, LL_KIND_TEXT_TRANSFORMER));

ll_pretrain_options contrastive_options(int epochs = 4) {
    ll_pretrain_options o{};
    o.struct_size = sizeof(o);
    o.pretext = LL_PRETEXT_CONTRASTIVE;
    o.epochs = epochs;
    o.first_epoch = 1;
    o.total_epochs = epochs;
    o.batch_size = 64;
    o.learning_rate = 3e-3f;
    o.weight_decay = 1e-4f;
    o.temperature = 0.5f;
    o.projection_dim = 16;
    o.crop_min_scale = 0.5f;
    o.flip = 1;
    o.jitter = 0.3f;
    o.noise_std = 0.05f;
    o.seed = 5;
    return o;
}

ll_pretrain_result empty_pretrain_result() {
    ll_pretrain_result r{};
    r.struct_size = sizeof(r);
    return r;
}

std::vector<float> embed(ll_model* m, const ll_batch& b, int dim) {
    std::vector<float> e(static_cast<size_t>(b.n_items) * dim);
    int64_t written = 0;
    EXPECT_EQ(ll_model_embed(m, &b, e.data(), static_cast<int64_t>(e.size()), &written), LL_OK) << last_error();
    return e;
}

TEST(Pretrain, Contrastive_pretraining_lowers_its_loss_and_moves_only_the_encoder) {
    auto d = make_images(256, 21);
    auto m = create(image_config());
    auto b = d.batch();
    const auto before = embed(m.get(), b, 32);
    const auto probs_before = predict(m.get(), b);
    auto o = contrastive_options(6);
    auto r = empty_pretrain_result();

    ASSERT_EQ(ll_model_pretrain(m.get(), &b, &o, nullptr, nullptr, &r), LL_OK) << last_error();

    EXPECT_EQ(r.epochs_run, 6);
    EXPECT_TRUE(std::isfinite(r.first_loss) && std::isfinite(r.final_loss));
    EXPECT_LT(r.final_loss, r.first_loss);
    EXPECT_GT(r.items_per_second, 0.0);
    EXPECT_NE(before, embed(m.get(), b, 32));
    // The head is untouched, but it now reads other embeddings: probabilities change too.
    EXPECT_NE(probs_before, predict(m.get(), b));
}

TEST(Pretrain, Same_seed_gives_the_same_encoder) {
    auto d = make_images(64, 22);
    auto b = d.batch();
    auto o = contrastive_options(1);
    auto first = create(image_config());
    auto second = create(image_config());
    auto r = empty_pretrain_result();
    ASSERT_EQ(ll_model_pretrain(first.get(), &b, &o, nullptr, nullptr, &r), LL_OK) << last_error();
    ASSERT_EQ(ll_model_pretrain(second.get(), &b, &o, nullptr, nullptr, &r), LL_OK) << last_error();
    EXPECT_EQ(embed(first.get(), b, 32), embed(second.get(), b, 32));
}

TEST(Pretrain, A_continuing_call_keeps_the_pretext_head_and_a_loaded_model_starts_a_fresh_one) {
    auto d = make_images(256, 24);
    auto b = d.batch();
    auto m = create(image_config());
    auto first = contrastive_options(3);
    first.total_epochs = 6;
    auto r1 = empty_pretrain_result();
    ASSERT_EQ(ll_model_pretrain(m.get(), &b, &first, nullptr, nullptr, &r1), LL_OK) << last_error();
    const auto path = temp_path("pretext.llm").string();
    ASSERT_EQ(ll_model_save(m.get(), path.c_str()), LL_OK) << last_error();
    ll_model* loaded = nullptr;
    auto expected = image_config();
    ASSERT_EQ(ll_model_load(path.c_str(), LL_DEVICE_CPU, &expected, &loaded), LL_OK) << last_error();
    Model reloaded(loaded);

    auto second = first;
    second.first_epoch = 4;
    auto kept = empty_pretrain_result();
    auto fresh = empty_pretrain_result();
    ASSERT_EQ(ll_model_pretrain(m.get(), &b, &second, nullptr, nullptr, &kept), LL_OK) << last_error();
    ASSERT_EQ(ll_model_pretrain(reloaded.get(), &b, &second, nullptr, nullptr, &fresh), LL_OK) << last_error();

    // Same encoder, same schedule and data: only the head differs. The kept head goes on from where the
    // first call ended; a fresh projection head has to be learned again and costs loss.
    EXPECT_LT(kept.first_loss, fresh.first_loss);
    EXPECT_LT(kept.first_loss, r1.first_loss);
}

TEST(Pretrain, Cancelling_restores_the_encoder) {
    auto d = make_images(128, 23);
    auto m = create(image_config());
    auto b = d.batch();
    const auto before = embed(m.get(), b, 32);
    auto o = contrastive_options(3);
    auto r = empty_pretrain_result();
    int calls = 0;
    auto stop_on_third = [](const ll_progress*, void* user) -> int32_t { return ++*static_cast<int*>(user) >= 3 ? 1 : 0; };

    EXPECT_EQ(ll_model_pretrain(m.get(), &b, &o, stop_on_third, &calls, &r), LL_CANCELLED);

    EXPECT_NE(last_error().find("cancelled"), std::string::npos) << last_error();
    EXPECT_EQ(before, embed(m.get(), b, 32));
}

TEST(Pretrain, Rejects_bad_options_naming_the_field) {
    auto d = make_images(8, 24);
    auto b = d.batch();
    auto m = create(image_config());
    auto r = empty_pretrain_result();
    auto check = [&](ll_pretrain_options o, const char* field) {
        EXPECT_EQ(ll_model_pretrain(m.get(), &b, &o, nullptr, nullptr, &r), LL_INVALID_ARGUMENT) << field;
        EXPECT_NE(last_error().find(field), std::string::npos) << last_error();
    };
    auto o = contrastive_options();
    o.pretext = LL_PRETEXT_MASKED_TOKENS;
    check(o, "pretext");
    o = contrastive_options();
    o.batch_size = 1;
    check(o, "batch_size");
    o = contrastive_options();
    o.temperature = 0.0f;
    check(o, "temperature");
    o = contrastive_options();
    o.total_epochs = 2;
    o.first_epoch = 2;
    check(o, "total_epochs");
    o = contrastive_options();
    o.struct_size = 8;
    check(o, "struct_size");
    ll_batch one = b;
    one.n_items = 1;
    one.n_pixels = kSize * kSize;
    o = contrastive_options();
    EXPECT_EQ(ll_model_pretrain(m.get(), &one, &o, nullptr, nullptr, &r), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("at least 2 images"), std::string::npos) << last_error();
}

TEST_P(TextModels, Masked_token_pretraining_can_be_cancelled_within_a_batch) {
    // One batch of every item: a cancel must not wait for the batch to end.
    auto d = make_text(300, 6);
    auto m = create(text_config(GetParam()));
    auto b = d.batch();
    const auto before = embed(m.get(), b, 32);
    ll_pretrain_options o{};
    o.struct_size = sizeof(o);
    o.pretext = LL_PRETEXT_MASKED_TOKENS;
    o.epochs = 1;
    o.first_epoch = 1;
    o.total_epochs = 1;
    o.batch_size = 300;
    o.learning_rate = 5e-3f;
    o.mask_fraction = 0.15f;
    o.mask_token = 1;
    o.seed = 3;
    auto r = empty_pretrain_result();
    int32_t batches_done = -1;
    auto stop_at_once = [](const ll_progress* p, void* user) -> int32_t {
        *static_cast<int32_t*>(user) = p->batch;
        return 1;
    };

    EXPECT_EQ(ll_model_pretrain(m.get(), &b, &o, stop_at_once, &batches_done, &r), LL_CANCELLED);

    EXPECT_EQ(batches_done, 0);
    EXPECT_NE(last_error().find("cancelled"), std::string::npos) << last_error();
    EXPECT_EQ(before, embed(m.get(), b, 32));
}

TEST_P(TextModels, Masked_token_pretraining_lowers_its_loss) {
    auto d = make_text(300, 5);
    auto m = create(text_config(GetParam()));
    auto b = d.batch();
    ll_pretrain_options o{};
    o.struct_size = sizeof(o);
    o.pretext = LL_PRETEXT_MASKED_TOKENS;
    o.epochs = 8;
    o.first_epoch = 1;
    o.total_epochs = 8;
    o.batch_size = 32;
    o.learning_rate = 5e-3f;
    o.mask_fraction = 0.15f;
    o.mask_token = 1;
    o.seed = 9;
    auto r = empty_pretrain_result();

    ASSERT_EQ(ll_model_pretrain(m.get(), &b, &o, nullptr, nullptr, &r), LL_OK) << last_error();

    EXPECT_LT(r.final_loss, r.first_loss);
    o.mask_token = 50;
    EXPECT_EQ(ll_model_pretrain(m.get(), &b, &o, nullptr, nullptr, &r), LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("mask_token"), std::string::npos) << last_error();
}

void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

TEST(Images, Decodes_png_and_bmp_to_resized_planar_floats) {
    // A 4x2 RGB image: left half red, right half blue.
    std::vector<uint8_t> rgb;
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 4; ++x) {
            rgb.insert(rgb.end(), {static_cast<uint8_t>(x < 2 ? 255 : 0), 0,
                                   static_cast<uint8_t>(x < 2 ? 0 : 255)});
        }
    std::vector<uint8_t> data;
    ASSERT_NE(stbi_write_png_to_func(append_bytes, &data, 4, 2, 3, rgb.data(), 12), 0);
    const int64_t png = static_cast<int64_t>(data.size());
    ASSERT_NE(stbi_write_bmp_to_func(append_bytes, &data, 4, 2, 3, rgb.data()), 0);
    const int64_t lengths[] = {png, static_cast<int64_t>(data.size()) - png};

    std::vector<float> out(2 * 3 * 4 * 4);
    int64_t written = 0;
    ASSERT_EQ(ll_image_decode(data.data(), static_cast<int64_t>(data.size()), lengths, 2, 3, 4,
                              out.data(), static_cast<int64_t>(out.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_EQ(written, 96);
    for (int image = 0; image < 2; ++image) {
        const float* red = out.data() + image * 48;
        const float* blue = red + 32;
        EXPECT_NEAR(red[0], 1.0f, 0.02f);    // top-left is red
        EXPECT_NEAR(blue[0], 0.0f, 0.02f);
        EXPECT_NEAR(red[3], 0.0f, 0.02f);    // top-right is blue
        EXPECT_NEAR(blue[3], 1.0f, 0.02f);
    }
    std::vector<float> gray(2 * 16);
    ASSERT_EQ(ll_image_decode(data.data(), static_cast<int64_t>(data.size()), lengths, 2, 1, 4,
                              gray.data(), static_cast<int64_t>(gray.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_EQ(written, 32);
}

TEST(Images, Decodes_jpeg_and_the_first_gif_frame) {
    std::vector<uint8_t> gray(16 * 16, 200);
    std::vector<uint8_t> data;
    ASSERT_NE(stbi_write_jpg_to_func(append_bytes, &data, 16, 16, 1, gray.data(), 95), 0);
    const int64_t jpeg = static_cast<int64_t>(data.size());
    // A 1x1 GIF89a whose only pixel is palette entry 0, white.
    const uint8_t gif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00,
                           0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
                           0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
    data.insert(data.end(), std::begin(gif), std::end(gif));
    const int64_t lengths[] = {jpeg, static_cast<int64_t>(sizeof(gif))};
    std::vector<float> out(2 * 8 * 8);
    int64_t written = 0;
    ASSERT_EQ(ll_image_decode(data.data(), static_cast<int64_t>(data.size()), lengths, 2, 1, 8,
                              out.data(), static_cast<int64_t>(out.size()), &written),
              LL_OK)
        << last_error();
    EXPECT_NEAR(out[0], 200.0f / 255.0f, 0.02f);
    EXPECT_NEAR(out[64], 1.0f, 0.001f);
}

TEST(Abi, Struct_sizes_match_the_managed_mirrors) {
    // LabelLoop.Ml's NativeStructLayoutTests asserts the same numbers for its [StructLayout] copies.
    EXPECT_EQ(sizeof(ll_model_config), 48u);
    EXPECT_EQ(sizeof(ll_batch), 40u);
    EXPECT_EQ(sizeof(ll_train_options), 72u);
    EXPECT_EQ(sizeof(ll_progress), 40u);
    EXPECT_EQ(sizeof(ll_train_result), 36u);
    EXPECT_EQ(sizeof(ll_engine_info), 52u);
    EXPECT_EQ(sizeof(ll_pretrain_options), 72u);
    EXPECT_EQ(sizeof(ll_pretrain_result), 24u);
}

TEST(Images, Corrupt_or_inconsistent_input_fails_naming_the_image) {
    std::vector<uint8_t> rgb(12, 128);
    std::vector<uint8_t> data;
    ASSERT_NE(stbi_write_png_to_func(append_bytes, &data, 2, 2, 3, rgb.data(), 6), 0);
    const int64_t good = static_cast<int64_t>(data.size());
    const char junk[] = "\x89PNG\r\n\x1a\n garbage that is no image";
    data.insert(data.end(), junk, junk + sizeof(junk));
    const int64_t lengths[] = {good, static_cast<int64_t>(sizeof(junk))};
    std::vector<float> out(2 * 3 * 8 * 8);
    int64_t written = -1;
    EXPECT_EQ(ll_image_decode(data.data(), static_cast<int64_t>(data.size()), lengths, 2, 3, 8,
                              out.data(), static_cast<int64_t>(out.size()), &written),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("image 1"), std::string::npos) << last_error();
    EXPECT_EQ(written, -1);

    EXPECT_EQ(ll_image_decode(data.data(), 5, lengths, 2, 3, 8, out.data(),
                              static_cast<int64_t>(out.size()), &written),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("n_bytes"), std::string::npos) << last_error();
    EXPECT_EQ(ll_image_decode(data.data(), good, lengths, 0, 3, 8, out.data(),
                              static_cast<int64_t>(out.size()), &written),
              LL_INVALID_ARGUMENT);
    EXPECT_EQ(ll_image_decode(data.data(), good, lengths, 1, 3, 8, out.data(), 10, &written),
              LL_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("out holds 10"), std::string::npos) << last_error();
    EXPECT_EQ(ll_image_decode(data.data(), good, lengths, 1, 2, 8, out.data(),
                              static_cast<int64_t>(out.size()), &written),
              LL_INVALID_ARGUMENT);
}

}  // namespace
