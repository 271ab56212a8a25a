import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { echoOptionsFromEnv, EchoOptionsError } from './options.js';

describe('tskube/echo options', () => {
  it('defaults to port 8080 on the pod IP the runtime exports', () => {
    const o = echoOptionsFromEnv({ TSKUBE_POD_IP: '127.64.0.1', TSKUBE_POD_NAME: 'p', TSKUBE_ZONE: 'z' });
    assert.deepEqual([o.host, o.port, o.pod, o.zone, o.readyAfterMs, o.failReadiness, o.exitAfterMs], ['127.64.0.1', 8080, 'p', 'z', 0, false, undefined]);
  });

  it('prefers $POD_IP and reads the failure knobs', () => {
    const o = echoOptionsFromEnv({
      POD_IP: '10.0.0.5', TSKUBE_POD_IP: '127.64.0.1', PORT: '9000', READY_AFTER_SECONDS: '1.5', FAIL_READINESS: 'true',
      FAIL_LIVENESS_AFTER_SECONDS: '3', EXIT_AFTER_SECONDS: '2', EXIT_CODE: '7', SHUTDOWN_DELAY_SECONDS: '1', IGNORE_SIGTERM: '1',
    });
    assert.deepEqual(
      [o.host, o.port, o.readyAfterMs, o.failReadiness, o.failLivenessAfterMs, o.exitAfterMs, o.exitCode, o.shutdownDelayMs, o.ignoreSigterm],
      ['10.0.0.5', 9000, 1500, true, 3000, 2000, 7, 1000, true],
    );
    assert.equal(echoOptionsFromEnv({ FAIL_LIVENESS: 'true', FAIL_LIVENESS_AFTER_SECONDS: '9' }).failLivenessAfterMs, 0);
    assert.equal(echoOptionsFromEnv({}).host, '0.0.0.0');
  });

  it('rejects values it cannot use', () => {
    assert.throws(() => echoOptionsFromEnv({ PORT: 'http' }), EchoOptionsError);
    assert.throws(() => echoOptionsFromEnv({ EXIT_CODE: '300' }), EchoOptionsError);
    assert.throws(() => echoOptionsFromEnv({ READY_AFTER_SECONDS: '-1' }), EchoOptionsError);
  });
});
