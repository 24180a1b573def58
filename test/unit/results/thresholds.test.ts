import assert from 'node:assert/strict';
import { parseSelector, parseSide } from '../../../harness/results/compare-runs.ts';
import { formatChange, formatValue } from '../../../harness/measure/format-value.ts';
import { absoluteThresholdFor, parseThresholds, thresholdFor } from '../../../harness/results/thresholds.ts';

describe('thresholds, selectors and value formatting', () => {
  it('picks the most specific threshold for a metric', () => {
    const t = parseThresholds(['3', 'latency.*=10', 'latency.load.*=20', 'tcp.tx.throughput=2.5']);
    assert.equal(thresholdFor(t, 'tcp.tx.throughput'), 0.025);
    assert.equal(thresholdFor(t, 'tcp.rx.throughput'), 0.03);
    assert.equal(thresholdFor(t, 'latency.idle.p99'), 0.1);
    assert.equal(thresholdFor(t, 'latency.load.p99'), 0.2);
    assert.equal(thresholdFor(parseThresholds([]), 'http.rate'), 0.05);
  });

  it('refuses thresholds that are not percentages or metric names, naming them', () => {
    assert.throws(() => parseThresholds(['tcp.tx.throughput=lots']), /threshold "tcp\.tx\.throughput=lots": "lots" is not a percentage/);
    assert.throws(() => parseThresholds(['Tcp=5']), /"Tcp" is not a metric name or pattern/);
    assert.throws(() => parseThresholds(['150']), /above 0 and below 100/);
  });

  it('absolute thresholds: built-in ones for loss, retransmits and jitter; wildcards anywhere; the most specific wins', () => {
    const t = parseThresholds(['udp.*.jitter=20'], ['udp.tx.loss=1', 'udp.*.jitter=0.002']);
    assert.equal(absoluteThresholdFor(t, 'udp.tx.loss'), 1);
    assert.equal(absoluteThresholdFor(t, 'latency.idle.loss'), 0.5);
    assert.equal(absoluteThresholdFor(t, 'tcp.tx.retransmits'), 10);
    assert.equal(absoluteThresholdFor(t, 'udp.rx.jitter'), 0.002);
    assert.equal(absoluteThresholdFor(t, 'tcp.tx.throughput'), 0);
    assert.equal(thresholdFor(t, 'udp.rx.jitter'), 0.2);
    assert.throws(() => parseThresholds([], ['udp.tx.loss=-1']), /absolute threshold "udp\.tx\.loss=-1": "-1" is not a number of the metric's unit/);
    assert.throws(() => parseThresholds([], ['loss']), /absolute threshold "loss": expected METRIC=VALUE/);
  });

  it('parses sides: run ids, directories, selectors and last-good', () => {
    assert.deepEqual(parseSide('20261124T203000Z-ab12'), { kind: 'run', runId: '20261124T203000Z-ab12' });
    assert.deepEqual(parseSide('reports/runs/x'), { kind: 'dir', dir: 'reports/runs/x' });
    assert.deepEqual(parseSide('last-good'), { kind: 'last-good' });
    assert.deepEqual(parseSelector('kernel=6.1,host=lab1'), { kernel: '6.1', host: 'lab1' });
    assert.throws(() => parseSelector('colour=blue'), /"colour=blue": expected KEY=VALUE with KEY one of host, kernel/);
    assert.throws(() => parseSide('$(reboot)'), /expected a run id/);
  });

  it('formats values in their unit for people', () => {
    assert.equal(formatValue(9.41e9, 'bit/s'), '9.41 Gbit/s');
    assert.equal(formatValue(3.82e-5, 's'), '38.2 µs');
    assert.equal(formatValue(41234.4, 'req/s'), '41234 req/s');
    assert.equal(formatChange(-0.031), '−3.1 %');
    assert.equal(formatValue(undefined, '%'), '–');
  });
});
