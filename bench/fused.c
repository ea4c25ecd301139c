/*
 * Fused C reference for bench/losses.mjs: the same losses as losskit's kernels, one pass (or
 * the minimum number of passes), float32 inputs, float32 gradients, float64 accumulation.
 * Compiled by the benchmark when gcc exists:
 *   gcc -O3 -march=native -ffast-math -fopenmp-simd bench/fused.c -lm -o <tmp>/fused
 * Usage: fused [--quick] [--cpu]   prints JSON {cases: {id: {fwd, grad}}} (median ms) on stdout.
 * Inputs are generated here (same distributions, not the same numbers, as the JS side).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int use_cpu = 0; /* --cpu: process CPU time instead of wall-clock */
static double now_ms(void) {
  struct timespec t;
  clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static uint32_t rs = 12345u;
static float urand(void) {
  rs ^= rs << 13;
  rs ^= rs >> 17;
  rs ^= rs << 5;
  return (rs >> 8) * (1.0f / 16777216.0f);
}
static float nrand(void) {
  float u = urand() + 1e-7f, v = urand();
  return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static volatile double sink;
#define RUNS 9
typedef double (*fn_t)(void *, int);
static double bench(fn_t f, void *ctx, int grad) {
  double ts[RUNS];
  for (int i = 0; i < 3; i++) sink += f(ctx, grad);
  for (int i = 0; i < RUNS; i++) {
    double t0 = now_ms();
    sink += f(ctx, grad);
    ts[i] = now_ms() - t0;
  }
  qsort(ts, RUNS, sizeof(double), cmp);
  return ts[RUNS / 2];
}

typedef struct { long n; float *y, *x, *g; } ew_t;

static inline __attribute__((always_inline)) double mse_impl(void *c, const int grad) {
  ew_t *e = c;
  double s = 0;
  const float sc = 2.0f / e->n;
#pragma omp simd reduction(+ : s)
  for (long i = 0; i < e->n; i++) {
    float d = e->x[i] - e->y[i];
    s += (double)(d * d);
    if (grad) e->g[i] = sc * d;
  }
  return s / e->n;
}
static double mse(void *c, int grad) { return grad ? mse_impl(c, 1) : mse_impl(c, 0); }
static inline __attribute__((always_inline)) double bce_impl(void *c, const int grad) {
  ew_t *e = c;
  double s = 0;
  const float sc = 1.0f / e->n;
#pragma omp simd reduction(+ : s)
  for (long i = 0; i < e->n; i++) {
    float x = e->x[i], y = e->y[i];
    float ex = expf(-fabsf(x));
    s += (double)(fmaxf(x, 0.0f) - x * y + log1pf(ex));
    if (grad) {
      float r = 1.0f / (1.0f + ex);
      float sig = x >= 0 ? r : ex * r;
      e->g[i] = sc * (sig - y);
    }
  }
  return s / e->n;
}
static double bce(void *c, int grad) { return grad ? bce_impl(c, 1) : bce_impl(c, 0); }
static inline __attribute__((always_inline)) double focal_impl(void *c, const int grad) {
  ew_t *e = c;
  double s = 0;
  const float sc = 1.0f / e->n, alpha = 0.25f;
#pragma omp simd reduction(+ : s)
  for (long i = 0; i < e->n; i++) {
    float x = e->x[i], y = e->y[i];
    float ex = expf(-fabsf(x));
    float r = 1.0f / (1.0f + ex);
    float p = x >= 0 ? r : ex * r, pn = x >= 0 ? ex * r : r;
    float ce = fmaxf(x, 0.0f) - x * y + log1pf(ex);
    float q = y * pn + (1 - y) * p;
    float at = alpha * y + (1 - alpha) * (1 - y);
    s += (double)(at * q * q * ce);
    if (grad) e->g[i] = sc * at * (q * q * (p - y) + 2 * q * (1 - 2 * y) * p * pn * ce);
  }
  return s / e->n;
}
static double focal(void *c, int grad) { return grad ? focal_impl(c, 1) : focal_impl(c, 0); }

typedef struct { long N, C; float *z, *g; int *t; } ce_t;
static inline __attribute__((always_inline)) double ce_impl(void *c, const int grad) {
  ce_t *e = c;
  double total = 0;
  const long C = e->C;
  for (long r = 0; r < e->N; r++) {
    const float *z = e->z + r * C;
    float m = z[0];
#pragma omp simd reduction(max : m)
    for (long j = 0; j < C; j++) m = fmaxf(m, z[j]);
    double s = 0;
    float *g = e->g + r * C;
    if (grad) {
#pragma omp simd reduction(+ : s)
      for (long j = 0; j < C; j++) {
        float ex = expf(z[j] - m);
        g[j] = ex;
        s += ex;
      }
    } else {
#pragma omp simd reduction(+ : s)
      for (long j = 0; j < C; j++) s += expf(z[j] - m);
    }
    int y = e->t[r];
    total += log(s) - (z[y] - m);
    if (grad) {
      float k = (float)(1.0 / (s * e->N));
#pragma omp simd
      for (long j = 0; j < C; j++) g[j] *= k;
      g[y] -= 1.0f / e->N;
    }
  }
  return total / e->N;
}
static double ce(void *c, int grad) { return grad ? ce_impl(c, 1) : ce_impl(c, 0); }


/* CTC (log-space forward–backward, as losskit's kernel and PyTorch's CPU kernel): float32
 * log-probabilities (T, N, C) in, float64 recursions, float32 gradient out (the exact
 * d nll / d lp = −γ, scaled by the 'mean' reduction). Per frame the previous row is exponentiated
 * once relative to its maximum (vectorised by gcc), then one log per state. No underflow
 * fallback (losskit's exact log-sum-exp for states > 645 nats below the row maximum): a lower
 * bound on the work. */
typedef struct { long T, N, C, L; float *lp, *g; int *tg; double *a, *b, *E, *X; } ctc_t;
static inline __attribute__((always_inline)) double ctc_impl(void *c, const int grad) {
  ctc_t *e = c;
  const long T = e->T, N = e->N, C = e->C, L = e->L, S = 2 * L + 1;
  double total = 0;
  int ext[2 * 512 + 1];
  if (grad) memset(e->g, 0, sizeof(float) * T * N * C);
  for (long n = 0; n < N; n++) {
    for (long s = 0; s < S; s++) ext[s] = s % 2 == 0 ? 0 : e->tg[n * L + (s - 1) / 2];
    double *al = e->a, *be = e->b, *E = e->E;
    for (long i = 0; i < T * S; i++) al[i] = -INFINITY;
    const float *lp = e->lp + n * C;
    const long ts = N * C;
    al[0] = lp[0];
    al[1] = lp[ext[1]];
    for (long t = 1; t < T; t++) {
      long lo = S - 2 * (T - t) > 0 ? S - 2 * (T - t) : 0, hi = 2 * t + 1 < S - 1 ? 2 * t + 1 : S - 1;
      long from = lo >= 2 ? lo - 2 : 0;
      double *p = al + (t - 1) * S, *q = al + t * S, M = -INFINITY;
      for (long s = from; s <= hi; s++) M = p[s] > M ? p[s] : M;
#pragma omp simd
      for (long s = from; s <= hi; s++) E[s + 2] = exp(p[s] - M);
      E[0] = E[1] = 0;
      const float *row = lp + t * ts;
      for (long s = lo; s <= hi; s++) {
        int k = ext[s];
        double sum = E[s + 2] + E[s + 1] + ((s >= 2 && k != 0 && k != ext[s - 2]) ? E[s] : 0);
        q[s] = M + log(sum) + row[k];
      }
    }
    double *last = al + (T - 1) * S, m = last[S - 1] > last[S - 2] ? last[S - 1] : last[S - 2];
    double nll = -(m + log(exp(last[S - 1] - m) + exp(last[S - 2] - m)));
    total += nll / L;
    if (!grad) continue;
    for (long i = 0; i < T * S; i++) be[i] = -INFINITY;
    const float *lrow = lp + (T - 1) * ts;
    be[(T - 1) * S + S - 1] = lrow[ext[S - 1]];
    be[(T - 1) * S + S - 2] = lrow[ext[S - 2]];
    for (long t = T - 2; t >= 0; t--) {
      long lo = S - 2 * (T - t) > 0 ? S - 2 * (T - t) : 0, hi = 2 * t + 1 < S - 1 ? 2 * t + 1 : S - 1;
      long to = hi + 2 < S ? hi + 2 : S - 1;
      double *p = be + (t + 1) * S, *q = be + t * S, M = -INFINITY;
      for (long s = lo; s <= to; s++) M = p[s] > M ? p[s] : M;
#pragma omp simd
      for (long s = lo; s <= to; s++) E[s] = exp(p[s] - M);
      E[S] = E[S + 1] = 0;
      const float *row = lp + t * ts;
      for (long s = lo; s <= hi; s++) {
        int k = ext[s];
        double sum = E[s] + E[s + 1] + ((s + 2 < S && k != 0 && k != ext[s + 2]) ? E[s + 2] : 0);
        q[s] = M + log(sum) + row[k];
      }
    }
    const double gs = 1.0 / (N * L);
    for (long t = 0; t < T; t++) {
      long lo = S - 2 * (T - t) > 0 ? S - 2 * (T - t) : 0, hi = 2 * t + 1 < S - 1 ? 2 * t + 1 : S - 1;
      const float *row = lp + t * ts;
      float *g = e->g + t * ts + n * C;
      double *X = e->X;
#pragma omp simd
      for (long s = lo; s <= hi; s++) X[s] = exp(al[t * S + s] + be[t * S + s] - row[ext[s]] + nll);
      for (long s = lo; s <= hi; s++) g[ext[s]] -= (float)(gs * X[s]);
    }
  }
  return total / N;
}
static double ctc(void *c, int grad) { return grad ? ctc_impl(c, 1) : ctc_impl(c, 0); }

int main(int argc, char **argv) {
  int quick = 0;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--quick") == 0) quick = 1;
    if (strcmp(argv[a], "--cpu") == 0) use_cpu = 1;
  }
  long n = quick ? 1L << 18 : 4L << 20;
  ew_t e = {n, malloc(n * 4), malloc(n * 4), malloc(n * 4)};
  printf("{\"cases\": {");
  for (long i = 0; i < n; i++) { e.y[i] = nrand(); e.x[i] = nrand(); }
  printf("\"mse\": {\"fwd\": %.4f, \"grad\": %.4f}", bench(mse, &e, 0), bench(mse, &e, 1));
  for (long i = 0; i < n; i++) { e.y[i] = urand() < 0.5f; e.x[i] = 2 * nrand(); }
  printf(", \"bce-logits\": {\"fwd\": %.4f, \"grad\": %.4f}", bench(bce, &e, 0), bench(bce, &e, 1));
  printf(", \"focal\": {\"fwd\": %.4f, \"grad\": %.4f}", bench(focal, &e, 0), bench(focal, &e, 1));
  long shapes[3][2] = {{1L << 20, 10}, {16384, 1000}, {2048, 32000}};
  long qshapes[3][2] = {{65536, 10}, {1024, 1000}, {128, 32000}};
  for (int k = 0; k < 3; k++) {
    long N = quick ? qshapes[k][0] : shapes[k][0], C = quick ? qshapes[k][1] : shapes[k][1];
    ce_t c = {N, C, malloc(N * C * 4), malloc(N * C * 4), malloc(N * sizeof(int))};
    for (long i = 0; i < N * C; i++) c.z[i] = 2 * nrand();
    for (long i = 0; i < N; i++) c.t[i] = (int)(urand() * C) % C;
    printf(", \"ce-%ldx%ld\": {\"fwd\": %.4f, \"grad\": %.4f}", N, C, bench(ce, &c, 0), bench(ce, &c, 1));
    free(c.z), free(c.g), free(c.t);
  }
  {
    long T = quick ? 200 : 1000, N = 4, C = quick ? 50 : 100, L = quick ? 40 : 100, S = 2 * L + 1;
    ctc_t c = {T, N, C, L, malloc(T * N * C * 4), malloc(T * N * C * 4), malloc(N * L * sizeof(int)),
               malloc(T * S * 8), malloc(T * S * 8), malloc((S + 8) * 8), malloc((S + 8) * 8)};
    for (long o = 0; o < T * N * C; o += C) {
      double z = 0;
      for (long k = 0; k < C; k++) z += exp(c.lp[o + k] = 3 * nrand());
      for (long k = 0; k < C; k++) c.lp[o + k] -= (float)log(z);
    }
    for (long i = 0; i < N * L; i++) c.tg[i] = 1 + (int)(urand() * (C - 1)) % (int)(C - 1);
    if (getenv("FUSED_DEBUG")) fprintf(stderr, "ctc value %g (fwd) %g (grad)\n", ctc(&c, 0), ctc(&c, 1));
    printf(", \"ctc\": {\"fwd\": %.4f, \"grad\": %.4f}", bench(ctc, &c, 0), bench(ctc, &c, 1));
    free(c.lp), free(c.g), free(c.tg), free(c.a), free(c.b), free(c.E), free(c.X);
  }
  printf("}, \"sink\": %g}\n", sink > 0 ? 1.0 : 0.0);
  return 0;
}
