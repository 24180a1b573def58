"""Runs Apache Otava's original E-divisive (compute_change_points_orig's detector) on fixed series."""
import json, sys
import numpy as np
# Run with Otava's otava/change_point_divisive/*.py (commit 1ceb153) on PYTHONPATH:
#   python3 e-divisive-otava.py > e-divisive-otava.json
from otava.change_point_divisive.calculator import PairDistanceCalculator
from otava.change_point_divisive.detector import ChangePointDetector
from otava.change_point_divisive.significance_test import PermutationsSignificanceTester

def series():
    rng = np.random.default_rng(20261203)
    def noisy(level, n, sd):
        return list(np.round(level * (1 + sd * rng.standard_normal(n)), 2))
    out = {}
    out['otava-test-sequence'] = [0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0]
    out['step-down-10pct-at-15'] = noisy(100, 15, 0.02) + noisy(90, 15, 0.02)
    noisy(100, 30, 0.02)  # drawn and left out: borderline for Otava (a change at 22 with 4 of 5 seeds)
    out['flat-30-b'] = noisy(100, 30, 0.02)
    out['two-steps-at-10-and-20'] = noisy(100, 10, 0.015) + noisy(110, 10, 0.015) + noisy(95, 10, 0.015)
    out['late-step-at-24'] = noisy(100, 24, 0.01) + noisy(92, 6, 0.01)
    out['early-step-at-4'] = noisy(50, 4, 0.01) + noisy(60, 20, 0.01)
    out['spike-and-step-at-12'] = noisy(10, 12, 0.03) + noisy(13, 13, 0.03)
    out['spike-and-step-at-12'][5] = 14.0
    out['small-by-hand'] = [1.0, 1.0, 1.0, 5.0, 5.0, 5.0]
    return out

def run(values, seed, permutations=199, max_pvalue=0.05):
    tester = PermutationsSignificanceTester(max_pvalue=max_pvalue, permutations=permutations, calculator=PairDistanceCalculator, seed=seed)
    cps = ChangePointDetector(significance_tester=tester, calculator=PairDistanceCalculator).get_change_points(series=values)
    return [(int(c.index), float(c.qhat), float(c.stats.pvalue)) for c in cps]

fixtures = []
for name, values in series().items():
    runs = [run(values, seed) for seed in range(5)]
    indices = [[c[0] for c in r] for r in runs]
    stable = all(i == indices[0] for i in indices)
    first = PairDistanceCalculator(np.array(values, dtype=np.float64)).get_candidate_change_point(slice(None, None))
    fixtures.append({
        'name': name, 'values': [float(v) for v in values],
        'firstCandidate': {'index': int(first.index), 'q': float(first.qhat)},
        'expected': [{'index': c[0], 'q': c[1], 'otavaPValue': c[2]} for c in runs[0]],
        'stableAcrossSeeds': stable,
    })
    print(name, indices, stable, file=sys.stderr)
json.dump({'source': 'apache/otava 1ceb153 otava/change_point_divisive (Matteson & James E-divisive), PermutationsSignificanceTester(max_pvalue=0.05, permutations=199, seed=0..4), PairDistanceCalculator(power=1)', 'fixtures': fixtures}, sys.stdout, indent=1)
