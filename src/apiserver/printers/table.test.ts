import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { column, nameColumn } from './columns.js';
import { formatRFC3339UTC } from './default-printer.js';
import { createDefaultRegistry, TablePrinterRegistry } from './registry.js';
import { isIncludeObject, toTable } from './table.js';
import type { KubeObject } from './types.js';

const NOW = new Date('2024-06-01T12:00:00Z');

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-0',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '41',
    labels: { app: 'web' },
    annotations: { note: 'x' },
    creationTimestamp: '2024-06-01T11:00:00Z',
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Succeeded' },
};

describe('toTable', () => {
  it('returns a meta.k8s.io/v1 Table with every column and PartialObjectMetadata rows by default', () => {
    const table = toTable('pods', [pod], { now: NOW, resourceVersion: '42' });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
    assert.equal(table.columnDefinitions.length, 9);
    for (const def of table.columnDefinitions) {
      assert.deepEqual(Object.keys(def).sort(), ['description', 'format', 'name', 'priority', 'type']);
    }
    const name = table.columnDefinitions[0];
    assert.deepEqual([name?.name, name?.type, name?.format, name?.priority], ['Name', 'string', 'name', 0]);

    const row = table.rows[0];
    assert.ok(row);
    assert.equal(row.cells.length, 9);
    assert.deepEqual(row.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    assert.deepEqual(row.conditions, [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
  });

  it('includes the whole object for includeObject=Object and none for None', () => {
    const withObject = toTable('pods', [pod], { now: NOW, resourceVersion: '1', includeObject: 'Object' });
    assert.equal(withObject.rows[0]?.object, pod);

    const without = toTable('pods', [pod], { now: NOW, resourceVersion: '1', includeObject: 'None' });
    const row = without.rows[0];
    assert.ok(row);
    assert.equal('object' in row, false);
    assert.equal(JSON.stringify(row).includes('"object"'), false);
  });

  it('omits row conditions for pods that are still running', () => {
    const running = { ...pod, status: { phase: 'Running' } };
    const row = toTable('pods', [running], { now: NOW, resourceVersion: '1' }).rows[0];
    assert.ok(row);
    assert.equal('conditions' in row, false);
  });

  it('carries continue and remainingItemCount when given, and always a resourceVersion', () => {
    const table = toTable('pods', [], { now: NOW.getTime(), resourceVersion: '9', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(table.metadata, { resourceVersion: '9', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(table.rows, []);
    assert.deepEqual(toTable('pods', [], { now: NOW, resourceVersion: '', continue: '' }).metadata, { resourceVersion: '' });
  });

  it('drops column definitions for noHeaders but keeps full rows', () => {
    const table = toTable('pods', [pod], { now: NOW, resourceVersion: '1', noHeaders: true });
    assert.deepEqual(table.columnDefinitions, []);
    assert.equal(table.rows[0]?.cells.length, 9);
  });

  it('uses Name and Created At (RFC3339 UTC) for resources without a printer', () => {
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', creationTimestamp: '2024-06-01T13:30:05+02:00' },
    };
    const table = toTable({ group: 'example.com', resource: 'widgets' }, [widget, { metadata: { name: 'w2' } }], {
      now: NOW,
      resourceVersion: '5',
    });
    assert.deepEqual(
      table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Created At', 'date', '', 0],
      ],
    );
    assert.deepEqual(
      table.rows.map((r) => r.cells),
      [
        ['w1', '2024-06-01T11:30:05Z'],
        ['w2', '0001-01-01T00:00:00Z'],
      ],
    );
  });

  it('rejects a printer whose rows do not match its columns', () => {
    const registry = new TablePrinterRegistry().register(
      { group: '', resource: 'things' },
      { columns: [nameColumn(), column('Extra', 'string', '')], cells: () => ['only-one'] },
    );
    assert.throws(() => toTable('things', [{}], { now: NOW, resourceVersion: '1', registry }), /1 cells for 2 columns/);
  });
});

describe('TablePrinterRegistry', () => {
  const registry = createDefaultRegistry();

  it('resolves bare names to core first, then to the only group that has them', () => {
    assert.deepEqual(registry.resolve('pods'), { group: '', resource: 'pods' });
    assert.deepEqual(registry.resolve('events'), { group: '', resource: 'events' });
    assert.deepEqual(registry.resolve('deployments'), { group: 'apps', resource: 'deployments' });
    assert.deepEqual(registry.resolve('events.events.k8s.io'), { group: 'events.k8s.io', resource: 'events' });
    assert.deepEqual(registry.resolve('widgets'), { group: '', resource: 'widgets' });
  });

  it('has a printer for every resource the API server prints with custom columns', () => {
    const names = registry
      .resources()
      .map((gr) => (gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`))
      .sort();
    assert.deepEqual(names, [
      'configmaps',
      'daemonsets.apps',
      'deployments.apps',
      'endpoints',
      'endpointslices.discovery.k8s.io',
      'events',
      'events.events.k8s.io',
      'leases.coordination.k8s.io',
      'namespaces',
      'nodes',
      'poddisruptionbudgets.policy',
      'pods',
      'replicasets.apps',
      'secrets',
      'serviceaccounts',
      'services',
    ]);
    for (const gr of registry.resources()) {
      const columns = registry.printerFor(gr).columns;
      const name = columns.filter((c) => c.format === 'name');
      assert.equal(name.length, 1, `${gr.resource} has one name column`);
      assert.equal(name[0]?.type, 'string');
    }
  });

  it('accepts only the three includeObject values', () => {
    assert.equal(isIncludeObject('Metadata'), true);
    assert.equal(isIncludeObject('None'), true);
    assert.equal(isIncludeObject('Object'), true);
    assert.equal(isIncludeObject('metadata'), false);
  });
});

describe('formatRFC3339UTC', () => {
  it('prints whole seconds in UTC with a Z, like Go', () => {
    assert.equal(formatRFC3339UTC('2024-06-01T11:00:00Z'), '2024-06-01T11:00:00Z');
    assert.equal(formatRFC3339UTC('2024-06-01T11:00:00.987654Z'), '2024-06-01T11:00:00Z');
    assert.equal(formatRFC3339UTC(undefined), '0001-01-01T00:00:00Z');
  });
});
