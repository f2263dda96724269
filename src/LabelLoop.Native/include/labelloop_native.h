/*
 * labelloop_native.h: the C ABI of LabelLoop's model engine over libtorch.
 *
 * This header is the whole public contract of liblabelloop_native.so. General rules:
 *   - Every fallible function returns an ll_status (int32_t). LL_OK means every output was written;
 *     any other value means no output parameter was touched, unless the function says otherwise.
 *   - After a failure, ll_last_error() on the same thread returns a message naming the problem.
 *     The message is thread-local and is cleared by the next call on that thread.
 *   - The caller allocates every buffer whose size it can know. Output buffers come with a
 *     `capacity` (in elements) and a `written` out-parameter (elements written on success).
 *   - Input buffers are borrowed for the duration of the call only; the library never keeps them.
 *   - Structs passed in or out carry `struct_size`, which the caller sets to sizeof(the struct);
 *     a size this library does not know is rejected with LL_INVALID_ARGUMENT.
 *   - An ll_model may be used from any thread, one call at a time; concurrent calls on the same
 *     model are serialised by the library. Different models may be used concurrently.
 *   - No function lets an exception escape and no bad input aborts the process.
 *   - Loading the library tunes its host process once: a pthreads OpenBLAS is set to one thread
 *     (libtorch's own pool parallelises every layer), and glibc's mmap/trim thresholds are raised
 *     to 64/128 MiB so activation buffers are reused, unless MALLOC_MMAP_THRESHOLD_ or
 *     MALLOC_TRIM_THRESHOLD_ is set. See bench/README.md for the measurements behind both.
 */
#ifndef LABELLOOP_NATIVE_H
#define LABELLOOP_NATIVE_H

#include <stdint.h>

#if defined(_WIN32)
#define LL_API __declspec(dllexport)
#else
#define LL_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define LL_NOEXCEPT noexcept
extern "C" {
#else
#define LL_NOEXCEPT
#endif

/* Bumped on every incompatible change to a signature, struct layout or constant below. */
#define LL_ABI_VERSION 2

typedef int32_t ll_status; /* fixed width on the wire; never a C enum type */
enum {
    LL_OK = 0,
    LL_INVALID_ARGUMENT = 1, /* bad pointer, size, value, configuration or mismatched checkpoint */
    LL_IO_ERROR = 2,         /* file missing, unreadable, truncated or corrupt */
    LL_TORCH_ERROR = 3,      /* libtorch raised an error */
    LL_OUT_OF_MEMORY = 4,    /* host or device allocation failed */
    LL_CANCELLED = 5,        /* the progress callback asked to stop */
    LL_INTERNAL = 99         /* a bug in this library */
};

/* Devices for ll_model_create / ll_model_load. */
enum { LL_DEVICE_AUTO = 0, LL_DEVICE_CPU = 1, LL_DEVICE_CUDA = 2 };

/* Model kinds: an encoder that yields an embedding, plus a classification head. */
enum {
    LL_KIND_IMAGE_CNN = 1,       /* three conv blocks + global average pooling, input float NCHW */
    LL_KIND_TEXT_CONV = 2,       /* token embedding + two 1-D convolutions + masked max pooling */
    LL_KIND_TEXT_TRANSFORMER = 3 /* token + position embedding + 2-layer transformer encoder */
};

typedef struct ll_model ll_model; /* opaque */

typedef struct ll_model_config {
    int32_t struct_size;   /* sizeof(ll_model_config) */
    int32_t kind;          /* LL_KIND_* */
    int32_t n_classes;     /* >= 2 */
    int32_t embedding_dim; /* width of the embedding the encoder yields, 1..8192 */
    int32_t width;         /* base channels: conv channels (image, text conv) or d_model (transformer, multiple of 4) */
    int32_t channels;      /* image: 1 (grayscale) or 3 (RGB); text: ignored */
    int32_t image_size;    /* image: side of the square input, 8..1024; text: ignored */
    int32_t vocab_size;    /* text: token ids are in [0, vocab_size), 0 is padding; image: ignored */
    int32_t max_tokens;    /* text: tokens per item, 1..4096; image: ignored */
    float dropout;         /* head dropout probability in [0, 1); also what MC dropout samples */
    uint64_t seed;         /* seeds weight initialisation and the model's dropout generator */
} ll_model_config;

/*
 * A batch of items as one contiguous buffer (no per-item calls).
 * Image models read `pixels`: n_items x channels x image_size x image_size floats, NCHW, finite,
 * nominally in [0, 1]. Text models read `tokens`: n_items x max_tokens ids in [0, vocab_size),
 * 0 = padding. The pointer the model does not read may be NULL. The buffers are borrowed.
 */
typedef struct ll_batch {
    int64_t n_items;
    const float* pixels;
    int64_t n_pixels; /* number of floats in `pixels` */
    const int64_t* tokens;
    int64_t n_tokens; /* number of ids in `tokens` */
} ll_batch;

enum { LL_OPTIMIZER_ADAM = 0, LL_OPTIMIZER_ADAMW = 1 };
enum { LL_SCHEDULE_CONSTANT = 0, LL_SCHEDULE_COSINE = 1, LL_SCHEDULE_STEP = 2 };
/* Train-time image augmentation flags (ignored by text models). */
enum { LL_AUGMENT_CROP = 1, LL_AUGMENT_FLIP = 2, LL_AUGMENT_JITTER = 4, LL_AUGMENT_NOISE = 8 };

typedef struct ll_train_options {
    int32_t struct_size;         /* sizeof(ll_train_options) */
    int32_t epochs;              /* 1..10000 */
    int32_t batch_size;          /* 1..65536 */
    int32_t optimizer;           /* LL_OPTIMIZER_* */
    float learning_rate;         /* > 0, the head's rate */
    float weight_decay;          /* >= 0 (L2 for Adam, decoupled for AdamW) */
    float encoder_lr_multiplier; /* encoder rate = learning_rate x this; 0 freezes the encoder */
    int32_t schedule;            /* LL_SCHEDULE_*, applied per epoch */
    int32_t step_epochs;         /* LL_SCHEDULE_STEP: epochs per step, >= 1 */
    float step_gamma;            /* LL_SCHEDULE_STEP: factor per step, in (0, 1] */
    float validation_fraction;   /* [0, 0.9]: items held out to measure accuracy each epoch */
    int32_t patience;            /* epochs without validation gain before stopping; 0 = never */
    int32_t augment;             /* LL_AUGMENT_* flags */
    int32_t crop_padding;        /* LL_AUGMENT_CROP: pixels of zero padding, 0..64 */
    float jitter;                /* LL_AUGMENT_JITTER: brightness/contrast strength, 0..1 */
    float noise_std;             /* LL_AUGMENT_NOISE: Gaussian noise standard deviation, 0..1 */
    uint64_t seed;               /* seeds the split, shuffling, augmentation and dropout */
} ll_train_options;

typedef struct ll_progress {
    int32_t struct_size;  /* sizeof(ll_progress), set by the library */
    int32_t epoch;        /* 1-based */
    int32_t epochs;       /* planned epochs */
    int32_t batch;        /* 1-based within the epoch */
    int32_t batches;      /* batches per epoch */
    int32_t epoch_end;    /* 1 on the call that closes an epoch (validation figures valid), else 0 */
    float train_loss;     /* mean training loss of the epoch so far */
    float val_loss;       /* epoch_end only; NaN without a validation split */
    float val_accuracy;   /* epoch_end only; NaN without a validation split */
    float learning_rate;  /* the head's current rate */
} ll_progress;

/*
 * Called on the training thread after every batch and at every epoch end; ll_model_pretrain also calls
 * it between the parts of a batch (with epoch_end 0 and the figures of the last completed batch), so
 * that a cancel is seen within a fraction of a second even when one batch takes seconds. `progress` is
 * valid only during the call. Return 0 to continue, non-zero to cancel: training then stops at once,
 * the model is restored to its state before the call, and the call returns LL_CANCELLED.
 * The callback must not call back into this library with the same model and must not unwind.
 */
typedef int32_t (*ll_progress_fn)(const ll_progress* progress, void* user_data);

typedef struct ll_train_result {
    int32_t struct_size; /* sizeof(ll_train_result), set by the caller */
    int32_t epochs_run;
    int32_t best_epoch;    /* epoch whose weights the model holds (the last one without validation) */
    int32_t stopped_early; /* 1 when patience ran out */
    int32_t n_train;
    int32_t n_validation;
    float final_train_loss;
    float best_val_loss;     /* NaN without a validation split */
    float best_val_accuracy; /* NaN without a validation split */
} ll_train_result;

typedef struct ll_engine_info {
    int32_t struct_size; /* sizeof(ll_engine_info), set by the caller */
    int32_t abi_version;
    int32_t threads;           /* intra-op threads libtorch uses now */
    int32_t cuda_available;    /* 1 when this libtorch has CUDA and a GPU is visible */
    int32_t cuda_device_count;
    char torch_version[32]; /* NUL-terminated, e.g. "1.13.1" */
} ll_engine_info;

/* ---- Library and engine -------------------------------------------------------------------- */

/* LL_ABI_VERSION of the built library. Never fails. */
LL_API int32_t ll_abi_version(void) LL_NOEXCEPT;

/*
 * Copies the calling thread's last error message into `buf` (truncated to capacity - 1 bytes,
 * always NUL-terminated when capacity > 0). Returns the full message length in bytes, without the
 * NUL, so a caller can retry with a larger buffer. `buf` may be NULL when capacity is 0.
 */
LL_API int32_t ll_last_error(char* buf, int32_t capacity) LL_NOEXCEPT;

/*
 * Sets libtorch's intra-op thread count (threads > 0; 0 keeps the current count) and seeds the
 * process-wide generator. Process-wide: call once at start-up, before training.
 */
LL_API ll_status ll_engine_init(int32_t threads, uint64_t seed) LL_NOEXCEPT;

/* Fills the caller-owned `info` (info->struct_size must be set). */
LL_API ll_status ll_engine_describe(ll_engine_info* info) LL_NOEXCEPT;

/* 1 when CUDA can be used (libtorch built with CUDA and a GPU visible), else 0. Never fails. */
LL_API int32_t ll_engine_cuda_available(void) LL_NOEXCEPT;

/*
 * Times an n x n float matrix product on the CPU (best of `repeats`, after one warm-up) and writes
 * the rate in GFLOP/s to *gflops. 16 <= n <= 4096, 1 <= repeats <= 100. Used at start-up to detect
 * a reference (unoptimised) BLAS.
 */
LL_API ll_status ll_engine_measure_blas(int32_t n, int32_t repeats, double* gflops) LL_NOEXCEPT;

/* ---- Models -------------------------------------------------------------------------------- */

/*
 * Creates a freshly initialised model. `config` is borrowed. On LL_OK, *out_model receives a model
 * the caller owns and must release with ll_model_free; on failure it is set to NULL (the one output
 * written on failure, so that a handle wrapper never sees stale memory). LL_DEVICE_CUDA fails when
 * CUDA is absent; LL_DEVICE_AUTO picks CUDA when available, else the CPU.
 */
LL_API ll_status ll_model_create(const ll_model_config* config, int32_t device,
                                 ll_model** out_model) LL_NOEXCEPT;

/* Copies the model's configuration into the caller-owned `config` and its device (LL_DEVICE_CPU or
 * LL_DEVICE_CUDA) into *device. `config->struct_size` must be set; `device` may be NULL. */
LL_API ll_status ll_model_describe(ll_model* model, ll_model_config* config,
                                   int32_t* device) LL_NOEXCEPT;

/*
 * Trains `model` in place on `batch` with `labels` (n_labels == batch->n_items, each in
 * [0, n_classes)). `class_weights` (n_class_weights == n_classes, finite, >= 0) weights the loss
 * per class; NULL with n_class_weights == 0 means equal weights. `progress` may be NULL. All
 * inputs are borrowed. With a validation split the model ends holding the weights of its best
 * epoch. On any failure or LL_CANCELLED the model's weights are restored to those it had before
 * the call. `result` is caller-owned (result->struct_size must be set) and written only on LL_OK.
 */
LL_API ll_status ll_model_train(ll_model* model, const ll_batch* batch, const int32_t* labels,
                                int64_t n_labels, const float* class_weights,
                                int32_t n_class_weights, const ll_train_options* options,
                                ll_progress_fn progress, void* user_data,
                                ll_train_result* result) LL_NOEXCEPT;

/*
 * Class probabilities (softmax), n_items x n_classes floats, row-major, into the caller-owned
 * `probs`. Requires capacity >= n_items x n_classes; *written receives that count on LL_OK.
 * Deterministic: dropout is off.
 */
LL_API ll_status ll_model_predict(ll_model* model, const ll_batch* batch, float* probs,
                                  int64_t capacity, int64_t* written) LL_NOEXCEPT;

/*
 * Monte Carlo dropout: `passes` (1..1000) stochastic passes of the head with dropout on, the
 * encoder run once per item in inference mode. Writes passes x n_items x n_classes floats (pass
 * major) into the caller-owned `probs`; capacity must hold them. `seed` makes the passes
 * reproducible on the CPU.
 */
LL_API ll_status ll_model_predict_mc(ll_model* model, const ll_batch* batch, int32_t passes,
                                     uint64_t seed, float* probs, int64_t capacity,
                                     int64_t* written) LL_NOEXCEPT;

/* Encoder embeddings, n_items x embedding_dim floats, into the caller-owned `embeddings`. */
LL_API ll_status ll_model_embed(ll_model* model, const ll_batch* batch, float* embeddings,
                                int64_t capacity, int64_t* written) LL_NOEXCEPT;

/*
 * Writes a versioned checkpoint (configuration + weights) to `path_utf8`, atomically: the file is
 * written beside the target and renamed over it, so a failure never leaves a partial checkpoint.
 */
LL_API ll_status ll_model_save(ll_model* model, const char* path_utf8) LL_NOEXCEPT;

/*
 * Loads a checkpoint written by ll_model_save. `expected` may be NULL; otherwise the checkpoint's
 * architecture (kind, n_classes, embedding_dim, width, channels, image_size, vocab_size,
 * max_tokens) must equal it, and a difference fails naming the field. A missing, truncated or
 * corrupt file fails with LL_IO_ERROR; a checkpoint of another format or architecture revision
 * fails with LL_INVALID_ARGUMENT. On LL_OK the caller owns *out_model (ll_model_free); on failure
 * *out_model is set to NULL, as in ll_model_create.
 */
LL_API ll_status ll_model_load(const char* path_utf8, int32_t device,
                               const ll_model_config* expected,
                               ll_model** out_model) LL_NOEXCEPT;

/*
 * Copies every encoder weight and buffer of `source` into `target` (the heads are untouched), e.g.
 * to fine-tune committee members from one pretrained encoder. Both encoders must have the same
 * parameter names and shapes; a difference fails naming the parameter and nothing is copied.
 * Both models are borrowed; they may live on different devices.
 */
LL_API ll_status ll_model_copy_encoder(ll_model* source, ll_model* target) LL_NOEXCEPT;

/* Releases a model from ll_model_create or ll_model_load. Accepts NULL; never fails. */
LL_API void ll_model_free(ll_model* model) LL_NOEXCEPT;

/* ---- Self-supervised pretraining --------------------------------------------------------- */

/* Pretext tasks: labels the library makes itself from the unlabeled pool. */
enum {
    LL_PRETEXT_CONTRASTIVE = 1,  /* images: two augmented views per item, NT-Xent loss (SimCLR) */
    LL_PRETEXT_MASKED_TOKENS = 2 /* text: hide a share of the tokens and predict them */
};

typedef struct ll_pretrain_options {
    int32_t struct_size;   /* sizeof(ll_pretrain_options) */
    int32_t pretext;       /* LL_PRETEXT_*: contrastive for image models, masked tokens for text */
    int32_t epochs;        /* epochs in this call, 1..10000 */
    int32_t first_epoch;   /* 1-based number of this call's first epoch within the whole run */
    int32_t total_epochs;  /* epochs of the whole run (>= first_epoch + epochs - 1): the cosine
                              learning-rate schedule spans it, so a run split over calls (to save
                              checkpoints between them) follows one schedule */
    int32_t batch_size;    /* contrastive: 2..65536 items (2 x that many views); text: 1..65536 */
    float learning_rate;   /* > 0 */
    float weight_decay;    /* >= 0, decoupled (AdamW) */
    float temperature;     /* contrastive: NT-Xent temperature, (0, 10] */
    int32_t projection_dim; /* contrastive: output of the projection head, 1..4096 */
    float crop_min_scale;  /* contrastive: random resized crop keeps this share of the area or more, (0, 1] */
    int32_t flip;          /* contrastive: 1 flips half the views horizontally, 0 never */
    float jitter;          /* contrastive: brightness/contrast strength, [0, 1] */
    float noise_std;       /* contrastive: Gaussian noise standard deviation, [0, 1] */
    float mask_fraction;   /* masked tokens: share of non-padding tokens hidden, (0, 1) */
    int32_t mask_token;    /* masked tokens: the id that replaces a hidden token, [1, vocab_size) */
    uint64_t seed;         /* seeds shuffling, augmentation, masking and the pretext head */
} ll_pretrain_options;

typedef struct ll_pretrain_result {
    int32_t struct_size;   /* sizeof(ll_pretrain_result), set by the caller */
    int32_t epochs_run;
    float first_loss;      /* mean pretext loss of the call's first epoch */
    float final_loss;      /* mean pretext loss of the call's last epoch */
    double items_per_second; /* items (not views) per second over the call */
} ll_pretrain_result;

/*
 * Trains the encoder of `model` on `batch` (unlabeled: no labels are read) with a pretext task and a
 * pretext head; the classification head is untouched. The pretext head and its optimizer state stay
 * with the model in memory (never in checkpoints): a call with first_epoch > 1 continues with those of
 * the previous successful call on the same model, so a run split into several calls learns as one;
 * a call with first_epoch = 1, or on a model without them (new, loaded, or after a failed call),
 * starts a fresh head seeded by `seed`. The
 * progress callback works as in ll_model_train (train_loss is the pretext loss; val fields are NaN;
 * epoch counts within this call). On any failure or LL_CANCELLED the model's weights are restored to
 * those it had before the call. `result` is caller-owned and written only on LL_OK.
 */
LL_API ll_status ll_model_pretrain(ll_model* model, const ll_batch* batch,
                                   const ll_pretrain_options* options, ll_progress_fn progress,
                                   void* user_data, ll_pretrain_result* result) LL_NOEXCEPT;

/* ---- Images -------------------------------------------------------------------------------- */

/*
 * Decodes `n_images` encoded images (PNG, JPEG, BMP, GIF first frame, and whatever else stb_image
 * reads) laid end to end in `data` (n_bytes in all; image i is lengths[i] bytes), converts each to
 * `channels` (1 = grayscale, 3 = RGB), stretches it to size x size and writes n_images x channels
 * x size x size floats in [0, 1], NCHW, into the caller-owned `out` (capacity in floats).
 * A corrupt or oversized image fails with LL_INVALID_ARGUMENT naming its index. `out` is written
 * in place, so after a failure its contents are unspecified; *written is set only on LL_OK.
 */
LL_API ll_status ll_image_decode(const uint8_t* data, int64_t n_bytes, const int64_t* lengths,
                                 int64_t n_images, int32_t channels, int32_t size, float* out,
                                 int64_t capacity, int64_t* written) LL_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* LABELLOOP_NATIVE_H */
