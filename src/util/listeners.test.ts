import assert from 'node:assert/strict';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { raiseMaxListeners } from './listeners.js';

describe('raiseMaxListeners', () => {
  it('raises a lower limit and never lowers a higher one', () => {
    const signal = new AbortController().signal;
    raiseMaxListeners(signal, 40);
    assert.equal(getMaxListeners(signal), 40);
    raiseMaxListeners(signal, 20);
    assert.equal(getMaxListeners(signal), 40);
  });

  it('leaves an unlimited signal unlimited (where Node 20 cannot even read the limit)', () => {
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    assert.doesNotThrow(() => raiseMaxListeners(signal, 40));
    // Still unlimited: adding many listeners warns about nothing.
    let warned = false;
    const onWarning = () => (warned = true);
    process.on('warning', onWarning);
    for (let i = 0; i < 50; i++) signal.addEventListener('abort', () => {});
    process.off('warning', onWarning);
    assert.equal(warned, false);
  });
});
