#!/usr/bin/env python3
"""Fits the calibrated parameters of Configs/gpus/h200-sxm.json to the H200 GEMM measurements.

Usage (from the repository root; needs numpy and scipy, which tritsim itself does not use):
    python3 Configs/gpus/fit-h200-calibration.py

It reproduces, in Python, the kernel-time formula of Sources/GPUBaseline (GPUModel.gemmSeconds):

    t = kernelOverhead(mode) + linearKernelLatency + max(t_memory, t_compute)
    (GEMV regime, M <= gemvMaximumTokenRows: t_compute = 2MKN / (peakFLOPS * tensorCoreEfficiency), negligible,
     so the kernel is memory-bound; tensor-core regime otherwise:)
    t_memory  = bytes / (peakBW * fraction * bytes/(bytes + halfBandwidthTransferBytes)
                                           * N/(N + halfBandwidthOutputRows))
    t_compute = waves * 2 * tileRows * tileColumns * K / (peakFLOPS/SMs * eff(Mpad))
    eff(Mpad) = tensorCoreEfficiency * Mpad / (Mpad + halfEfficiencyTokenRows)
    waves     = ceil(ceil(M/tileRows) * ceil(N/tileColumns) / SMs), Mpad = ceil(M/tileRows)*tileRows

Fixed before fitting (measured, not fitted):
    fraction               = d2d copy ceiling 4228.6 GB/s / 4800 GB/s datasheet (calibration file)
    kernelOverhead(graph)  = 0.91 us (CUDA-graph replay of 1,000 tiny kernels, docs/reference/hw-anchors.md 3.3)
    halfBandwidthTransferBytes = 1 MB (not identifiable from these GEMMs: 0-5 MB fit equally well)
    gemvMaximumTokenRows = 64 (measured times are flat in M for M <= 64 on every shape)
    tileRows = 32, tileColumns = 64 (best of {16,32,64} x {64,128} on a grid; 16 x 128 ties)
Fitted (Nelder-Mead on mean |error| + 0.5 * max |error| over all 49 points, graph mode):
    linearKernelLatency, tensorCoreEfficiency, halfBandwidthOutputRows, halfEfficiencyTokenRows
Then kernelOverhead(eager) = graph overhead + median over the 49 points of
    (us_single_eager - modelled graph time).
Energy (above idle, from the sustained ceilings of the calibration file):
    energy/byte = (copy_sustained.avg_w - idle_power_w) / (copy_sustained.GBps_rw * 1e9)
    energy/FLOP = (fp16_gemm_sustained.avg_w - idle_power_w - energy/byte * GEMM bytes/s)
                  / (fp16_gemm_sustained.TFLOPs * 1e12)
    where the sustained 8192^3 GEMM moves at least 3 * 8192^2 * 2 bytes per call (A, B read, C written),
    so the byte energy of the GEMM loop is not counted twice.
"""
import json, math, os
import numpy as np
from scipy.optimize import minimize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAL = json.load(open(os.path.join(ROOT, "Configs/validation/h200-fp16-calibration.json")))
GPU = json.load(open(os.path.join(ROOT, "Configs/gpus/h200-sxm.json"))) if os.path.exists(
    os.path.join(ROOT, "Configs/gpus/h200-sxm.json")) else None
PEAK_FLOPS, PEAK_BW, SMS = 989.4e12, 4.8e12, 132
FRACTION = CAL["ceilings"]["d2d_copy_GBps_rw"] * 1e9 / PEAK_BW
OVERHEAD_GRAPH = 0.91e-6
HALF_BYTES = 1.0e6
TILE_ROWS, TILE_COLUMNS = 32, 64
GEMV_MAX_ROWS = 64
POINTS = CAL["gemm"]


def gemm_seconds(p, g, overhead):
    latency, eff, half_rows, half_m = p
    m, k, n = g["M"], g["K"], g["N"]
    nbytes = 2 * (m * k + k * n + m * n)
    bw = PEAK_BW * FRACTION * nbytes / (nbytes + HALF_BYTES) * n / (n + half_rows)
    t_mem = nbytes / bw
    if m <= GEMV_MAX_ROWS:
        t_comp = 2 * m * k * n / (PEAK_FLOPS * eff)
    else:
        tiles_m, tiles_n = math.ceil(m / TILE_ROWS), math.ceil(n / TILE_COLUMNS)
        waves = math.ceil(tiles_m * tiles_n / SMS)
        m_pad = tiles_m * TILE_ROWS
        e = eff * m_pad / (m_pad + half_m)
        t_comp = waves * 2 * TILE_ROWS * TILE_COLUMNS * k / (PEAK_FLOPS / SMS * e)
    return overhead + latency + max(t_mem, t_comp)


def errors(p, overhead, key, subset=lambda g: True):
    return np.array([gemm_seconds(p, g, overhead) / (g[key] * 1e-6) - 1 for g in POINTS if subset(g)])


def objective(p):
    if min(p) <= 0 or p[1] > 1:
        return 1e9
    e = errors(p, OVERHEAD_GRAPH, "us_per_gemm_graph")
    return np.mean(np.abs(e)) + 0.5 * np.abs(e).max()


best = None
import itertools
for start in itertools.product([1e-6, 2.5e-6, 4e-6], [0.7, 0.85], [500, 1000, 3000], [5, 30, 100]):
    r = minimize(objective, list(start), method="Nelder-Mead",
                 options={"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-10})
    if best is None or r.fun < best.fun:
        best = r
p = best.x
modelled_graph = np.array([gemm_seconds(p, g, OVERHEAD_GRAPH) for g in POINTS])
eager = np.array([g["us_single_eager"] * 1e-6 for g in POINTS])
overhead_eager = OVERHEAD_GRAPH + float(np.median(eager - modelled_graph))
idle = CAL["idle_power_w"]
copy, gemm = CAL["ceilings"]["copy_sustained"], CAL["ceilings"]["fp16_gemm_sustained"]
print("achievableBandwidthFraction  %.4f" % FRACTION)
print("linearKernelLatencySeconds   %.4g" % p[0])
print("tensorCoreEfficiency         %.4f" % p[1])
print("halfBandwidthOutputRows      %.1f" % p[2])
print("halfEfficiencyTokenRows      %.2f" % p[3])
print("kernelOverheadEagerSeconds   %.4g" % overhead_eager)
print("energyPerByteAboveIdleJoules %.4g" % ((copy["avg_w"] - idle) / (copy["GBps_rw"] * 1e9)))
energy_per_byte = (copy["avg_w"] - idle) / (copy["GBps_rw"] * 1e9)
gemm_bytes_per_second = gemm["calls"] / gemm["s"] * 3 * 8192 * 8192 * 2
print("energyPerFLOPAboveIdleJoules %.4g" % ((gemm["avg_w"] - idle - energy_per_byte * gemm_bytes_per_second)
                                             / (gemm["TFLOPs"] * 1e12)))
for mode, key, ov in (("graph", "us_per_gemm_graph", OVERHEAD_GRAPH), ("eager", "us_single_eager", overhead_eager)):
    for label, subset in (("M<=256", lambda g: g["M"] <= 256), ("all 49", lambda g: True)):
        e = np.abs(errors(p, ov, key, subset))
        print("%s %-7s median %5.1f%%  max %5.1f%%" % (mode, label, 100 * np.median(e), 100 * e.max()))
