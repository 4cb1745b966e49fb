// sgemm_rate: measures Eigen's single-precision GEMM rate on T threads.
//
// This is the compute limit the training benchmark compares against. Each of
// T threads owns its matrices and runs its own single-threaded Eigen GEMM
// (the target is compiled with EIGEN_DONT_PARALLELIZE) back to back for a
// fixed duration; the threads start together, so their rates add up to what
// the machine delivers when every core multiplies at once.
//
// Two kinds of shape are timed:
//   - a large square product (1024 x 1024 x 1024), the peak rate;
//   - the GEMMs of one training step of the seed's model at batch 16
//     (im2col convolutions and the dense layers, forward and backward), and
//     their FLOP-weighted mix, the rate the model's shapes allow.
//
// Output: one JSON object on stdout,
//   {"threads":..,"gflops_total":..,"gflops_per_thread":..,"shapes":[...]}
// where gflops_total is the square-matrix peak summed over the threads.
//
// The program links only Eigen and the thread library, so it measures Eigen
// itself and not the project's code.

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#ifndef EIGEN_DONT_PARALLELIZE
#error "sgemm_rate must be compiled with EIGEN_DONT_PARALLELIZE (one thread per GEMM)"
#endif

namespace {

using clock_type = std::chrono::steady_clock;
using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The batch size the model-shaped GEMMs are sized for.
constexpr int batch = 16;

/// One product C[m x n] = op(A)[m x k] * op(B)[k x n].
///
/// With `transpose_a` A is stored k x m and used transposed (a weight
/// gradient, X^T * dY); with `transpose_b` B is stored n x k and used
/// transposed (an input gradient, dY * W^T). Storage is row-major, as the
/// NHWC engine lays out its im2col buffers.
struct gemm_shape {
  const char* name;
  const char* role;
  int m;
  int n;
  int k;
  bool transpose_a;
  bool transpose_b;
  /// Whether this shape is part of the model's training-step mix.
  bool in_model_mix;

  double flops() const { return 2.0 * m * n * k; }
};

// The model: 28x28x1 -> Conv(32,3x3) -> 26x26x32 -> Conv(32,3x3) -> 24x24x32
// -> MaxPool 2x2 -> 12x12x32 = 4608 -> Dense(225) -> Dense(10).
// conv1 as im2col: [16*26*26 = 10816 x 9] * [9 x 32];
// conv2 as im2col: [16*24*24 = 9216 x 288] * [288 x 32];
// dense1: [16 x 4608] * [4608 x 225].
// conv1 needs no input gradient (its input is the image). Dense(10) is left
// out: its three products are 13.5 kFLOP of 38.9 MFLOP per sample (0.03 %).
const std::vector<gemm_shape>& shapes() {
  static const std::vector<gemm_shape> all = {
      {"square_1024", "peak: 1024 x 1024 x 1024", 1024, 1024, 1024, false, false, false},
      {"conv2_forward", "im2col[9216x288] * W[288x32]", 9216, 32, 288, false, false, true},
      {"conv2_weight_grad", "im2col^T[288x9216] * dY[9216x32]", 288, 32, 9216, true, false, true},
      {"conv2_input_grad", "dY[9216x32] * W^T[32x288]", 9216, 288, 32, false, true, true},
      {"conv1_forward", "im2col[10816x9] * W[9x32]", 10816, 32, 9, false, false, true},
      {"conv1_weight_grad", "im2col^T[9x10816] * dY[10816x32]", 9, 32, 10816, true, false, true},
      {"dense1_forward", "X[16x4608] * W[4608x225]", batch, 225, 4608, false, false, true},
      {"dense1_weight_grad", "X^T[4608x16] * dY[16x225]", 4608, 225, batch, true, false, true},
      {"dense1_input_grad", "dY[16x225] * W^T[225x4608]", batch, 4608, 225, false, true, true},
  };
  return all;
}

/// The operands one thread multiplies; each thread owns its own copy.
struct operands {
  matrix a;
  matrix b;
  matrix c;

  explicit operands(const gemm_shape& s)
      : a(s.transpose_a ? matrix::Random(s.k, s.m) : matrix::Random(s.m, s.k)),
        b(s.transpose_b ? matrix::Random(s.n, s.k) : matrix::Random(s.k, s.n)),
        c(matrix::Zero(s.m, s.n)) {}

  void multiply(const gemm_shape& s) {
    if (s.transpose_a)
      c.noalias() = a.transpose() * b;
    else if (s.transpose_b)
      c.noalias() = a * b.transpose();
    else
      c.noalias() = a * b;
  }
};

/// What one thread measured for one shape.
struct thread_result {
  long iterations = 0;
  double seconds = 0.0;
  double checksum = 0.0;
};

/// What all threads together measured for one shape.
struct shape_result {
  long iterations = 0;
  double gflops_total = 0.0;
  double gflops_thread_min = 0.0;
  double gflops_thread_max = 0.0;
};

// Keeps the products observable so the compiler cannot drop them.
volatile double checksum_sink = 0.0;

/// Runs `s` on `threads` threads at once for about `seconds` each.
///
/// Every thread allocates and warms up its operands first; the clock starts
/// for all of them when the last one is ready, and each thread stops after
/// the product that crosses its deadline, dividing by its own elapsed time.
shape_result run_shape(const gemm_shape& s, int threads, double seconds) {
  std::vector<thread_result> results(threads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  auto body = [&](int t) {
    operands ops(s);
    ops.multiply(s);  // warm-up: page in the buffers, grow Eigen's block buffers
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
    const auto start = clock_type::now();
    const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                                      std::chrono::duration<double>(seconds));
    long iterations = 0;
    auto now = start;
    do {
      ops.multiply(s);
      ++iterations;
      now = clock_type::now();
    } while (now < deadline);
    results[t].iterations = iterations;
    results[t].seconds = std::chrono::duration<double>(now - start).count();
    results[t].checksum = ops.c(0, 0);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) pool.emplace_back(body, t);
  while (ready.load() < threads) std::this_thread::yield();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();

  shape_result out;
  out.gflops_thread_min = 1e300;
  for (const auto& r : results) {
    const double rate = s.flops() * r.iterations / r.seconds / 1e9;
    out.iterations += r.iterations;
    out.gflops_total += rate;
    out.gflops_thread_min = std::min(out.gflops_thread_min, rate);
    out.gflops_thread_max = std::max(out.gflops_thread_max, rate);
    checksum_sink = checksum_sink + r.checksum;
  }
  return out;
}

/// Command-line options; defaults are the benchmark's settings.
struct options {
  /// Threads multiplying at once (2 = both cores of the benchmark machine).
  int threads = 2;
  /// Seconds per thread for the square peak.
  double seconds = 2.0;
  /// Seconds per thread for each model-shaped product.
  double shape_seconds = 1.0;
};

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--threads=N] [--seconds=S] [--shape-seconds=S]\n"
               "  --threads=N        threads multiplying at once (default 2)\n"
               "  --seconds=S        seconds for the square 1024^3 peak (default 2)\n"
               "  --shape-seconds=S  seconds for each model-shaped GEMM (default 1)\n",
               argv0);
}

/// Parses "--name=value" or "--name value"; returns false on a bad argument.
bool parse(int argc, char** argv, options& opt) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    const auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg != "--help" && arg != "-h" && i + 1 < argc) {
      value = argv[++i];
    }
    char* end = nullptr;
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      std::exit(0);
    } else if (arg == "--threads") {
      opt.threads = static_cast<int>(std::strtol(value.c_str(), &end, 10));
      if (*end != '\0' || value.empty() || opt.threads < 1) return false;
    } else if (arg == "--seconds") {
      opt.seconds = std::strtod(value.c_str(), &end);
      if (*end != '\0' || value.empty() || !(opt.seconds > 0)) return false;
    } else if (arg == "--shape-seconds") {
      opt.shape_seconds = std::strtod(value.c_str(), &end);
      if (*end != '\0' || value.empty() || !(opt.shape_seconds > 0)) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  if (!parse(argc, argv, opt)) {
    usage(argv[0]);
    return 2;
  }

  const auto& all = shapes();
  std::vector<shape_result> results;
  results.reserve(all.size());
  for (const auto& s : all) {
    const double seconds = s.in_model_mix ? opt.shape_seconds : opt.seconds;
    results.push_back(run_shape(s, opt.threads, seconds));
    std::fprintf(stderr, "sgemm_rate: %-20s %8.1f GFLOP/s total\n", s.name,
                 results.back().gflops_total);
  }

  // The model mix: the time one training step's GEMMs take at the measured
  // rates, i.e. the FLOP-weighted harmonic mean of their rates.
  double mix_flops = 0.0;
  double mix_time = 0.0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i].in_model_mix) continue;
    mix_flops += all[i].flops();
    mix_time += all[i].flops() / results[i].gflops_total;
  }
  const double model_gflops_total = mix_flops / mix_time;
  const double peak = results[0].gflops_total;
  const double t = opt.threads;

  std::printf("{\"tool\":\"sgemm_rate\",\"eigen_version\":\"%d.%d.%d\",\"simd\":\"%s\",",
              EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
              Eigen::SimdInstructionSetsInUse());
  std::printf("\"threads\":%d,\"seconds\":%g,\"shape_seconds\":%g,", opt.threads, opt.seconds,
              opt.shape_seconds);
  std::printf("\"gflops_total\":%.2f,\"gflops_per_thread\":%.2f,", peak, peak / t);
  std::printf("\"model_gflops_total\":%.2f,\"model_gflops_per_thread\":%.2f,",
              model_gflops_total, model_gflops_total / t);
  std::printf("\"model_mix_flops_per_sample\":%.0f,\n\"shapes\":[\n", mix_flops / batch);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& s = all[i];
    const auto& r = results[i];
    std::printf(
        "  {\"name\":\"%s\",\"role\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"in_model_mix\":%s,"
        "\"iterations\":%ld,\"gflops_total\":%.2f,\"gflops_per_thread\":%.2f,"
        "\"gflops_thread_min\":%.2f,\"gflops_thread_max\":%.2f}%s\n",
        s.name, s.role, s.m, s.n, s.k, s.in_model_mix ? "true" : "false", r.iterations,
        r.gflops_total, r.gflops_total / t, r.gflops_thread_min, r.gflops_thread_max,
        i + 1 < all.size() ? "," : "");
  }
  std::printf("]}\n");
  return 0;
}
