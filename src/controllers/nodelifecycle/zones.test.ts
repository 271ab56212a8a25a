import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_NODE_LIFECYCLE_CONFIG as config } from './config.js';
import { allFullyDisrupted, computeZoneState, evictionRate, zoneKey } from './zones.js';

describe('zone states', () => {
  it('is FullDisruption only when no node of the zone is ready', () => {
    assert.equal(computeZoneState({ ready: 0, notReady: 3 }, 0.55), 'FullDisruption');
    assert.equal(computeZoneState({ ready: 1, notReady: 9 }, 0.55), 'PartialDisruption');
    assert.equal(computeZoneState({ ready: 0, notReady: 0 }, 0.55), 'Normal');
  });

  it('needs more than two not-ready nodes and the threshold share for PartialDisruption', () => {
    assert.equal(computeZoneState({ ready: 0 + 1, notReady: 2 }, 0.55), 'Normal');
    assert.equal(computeZoneState({ ready: 2, notReady: 3 }, 0.55), 'PartialDisruption');
    assert.equal(computeZoneState({ ready: 3, notReady: 3 }, 0.55), 'Normal');
  });

  it('evicts at the normal rate, slowly in large partially disrupted zones, not at all in small ones', () => {
    assert.equal(evictionRate('Normal', 10, config), 0.1);
    assert.equal(evictionRate('FullDisruption', 10, config), 0.1);
    assert.equal(evictionRate('PartialDisruption', 10, config), 0);
    assert.equal(evictionRate('PartialDisruption', 100, config), 0.01);
  });

  it('knows when every zone is down', () => {
    assert.equal(allFullyDisrupted(['FullDisruption', 'FullDisruption']), true);
    assert.equal(allFullyDisrupted(['FullDisruption', 'Normal']), false);
    assert.equal(allFullyDisrupted([]), false);
  });

  it('keys zones by region and zone', () => {
    assert.equal(zoneKey({ 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'a' }), 'r/a');
    assert.equal(zoneKey(undefined), '/');
  });
});
