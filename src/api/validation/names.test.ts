import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  byteLength,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isPathSegmentName,
  isPathSegmentPrefix,
  isQualifiedName,
  maskTrailingDash,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  regexError,
  validateNamespaceName,
} from './names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('regexError', () => {
  it('joins examples with upstream spacing', () => {
    assert.equal(regexError('m', 'f'), "m (regex used for validation is 'f')");
    assert.equal(regexError('m', 'f', 'a'), "m (e.g. 'a', regex used for validation is 'f')");
    assert.equal(regexError('m', 'f', 'a', 'b'), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
  });
});

describe('isDNS1123Subdomain', () => {
  for (const ok of ['a', 'ab', 'a-b', 'a.b', '0', 'a0.b1-c', 'example.com', '1.2.3.4', 'a'.repeat(253)]) {
    it(`accepts ${ok.length > 20 ? `${ok.length} chars` : ok}`, () => assert.deepEqual(isDNS1123Subdomain(ok), []));
  }
  for (const bad of ['', 'A', 'Foo', '-a', 'a-', '.a', 'a.', 'a..b', 'a_b', 'a b', 'a.-b', 'é']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.deepEqual(isDNS1123Subdomain(bad), [SUBDOMAIN_MSG]));
  }
  it('rejects more than 253 characters', () => {
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  });
  it('reports length and format together', () => {
    assert.deepEqual(isDNS1123Subdomain(`${'a'.repeat(254)}-`), ['must be no more than 253 characters', SUBDOMAIN_MSG]);
  });
});

describe('isDNS1123Label', () => {
  for (const ok of ['a', 'a-b', '0a', '123', 'a'.repeat(63)]) {
    it(`accepts ${ok}`, () => assert.deepEqual(isDNS1123Label(ok), []));
  }
  it('says "must not contain dots" for a subdomain', () => {
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  });
  for (const bad of ['', 'A', '-a', 'a-', 'a_b', 'a..b']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.deepEqual(isDNS1123Label(bad), [LABEL_MSG]));
  }
  it('rejects more than 63 characters', () => {
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('isDNS1035Label', () => {
  for (const ok of ['a', 'a-b', 'a0', 'abc-123', 'a'.repeat(63)]) {
    it(`accepts ${ok}`, () => assert.deepEqual(isDNS1035Label(ok), []));
  }
  for (const bad of ['', '0a', '1', '-a', 'a-', 'A', 'a.b']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.deepEqual(isDNS1035Label(bad), [DNS1035_MSG]));
  }
  it('rejects more than 63 characters', () => {
    assert.deepEqual(isDNS1035Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('isQualifiedName', () => {
  for (const ok of ['a', 'A', 'MyName', 'my.name', '123-abc', 'a_b', 'example.com/MyName', 'k8s.io/a', 'a/b', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`]) {
    it(`accepts ${ok.length > 30 ? `${ok.length} chars` : ok}`, () => assert.deepEqual(isQualifiedName(ok), []));
  }
  it('rejects a bad name part', () => {
    assert.deepEqual(isQualifiedName('a b'), [NAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('-a'), [NAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('a:b'), [NAME_PART_MSG]);
  });
  it('rejects an empty name', () => {
    assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', NAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('k8s.io/'), ['name part must be non-empty', NAME_PART_MSG]);
  });
  it('rejects a name part over 63 bytes', () => {
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 bytes']);
  });
  it('rejects an empty or invalid prefix', () => {
    assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('Example.com/a'), [`prefix part ${SUBDOMAIN_MSG}`]);
    assert.deepEqual(isQualifiedName(`${'a'.repeat(254)}/a`), ['prefix part must be no more than 253 bytes']);
  });
  it('rejects more than one slash with one message', () => {
    assert.deepEqual(isQualifiedName('a/b/c'), [
      "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
  });
});

describe('isLabelValue', () => {
  for (const ok of ['', 'a', 'MyValue', 'my_value', '12345', 'a.b-c_d', 'a'.repeat(63)]) {
    it(`accepts ${JSON.stringify(ok)}`, () => assert.deepEqual(isLabelValue(ok), []));
  }
  for (const bad of ['-a', 'a-', '_a', 'a b', 'a/b', 'é']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.deepEqual(isLabelValue(bad), [LABEL_VALUE_MSG]));
  }
  it('counts bytes, not characters', () => {
    assert.equal(byteLength('é'), 2);
    assert.deepEqual(isLabelValue('a'.repeat(64)), ['must be no more than 63 bytes']);
    assert.deepEqual(isLabelValue('é'.repeat(32)), ['must be no more than 63 bytes', LABEL_VALUE_MSG]);
  });
});

describe('path segment names', () => {
  it('rejects . and .. and / and %', () => {
    assert.deepEqual(isPathSegmentName('.'), ["may not be '.'"]);
    assert.deepEqual(isPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
    assert.deepEqual(isPathSegmentName('system:controller:x'), []);
    assert.deepEqual(isPathSegmentPrefix('.'), []);
  });
});

describe('name validators', () => {
  it('maskTrailingDash replaces the trailing dash the way upstream does', () => {
    assert.equal(maskTrailingDash('web-'), 'wea');
    assert.equal(maskTrailingDash('a-'), 'a');
    assert.equal(maskTrailingDash('-'), '-');
    assert.equal(maskTrailingDash('web'), 'web');
  });

  it('allows a trailing dash only for generateName prefixes', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.deepEqual(nameIsDNSSubdomain('web-', false), [SUBDOMAIN_MSG]);
    assert.deepEqual(nameIsDNSLabel('ns-', true), []);
    assert.deepEqual(nameIsDNS1035Label('svc-', true), []);
    assert.deepEqual(nameIsDNS1035Label('1svc', false), [DNS1035_MSG]);
  });

  it('validateNamespaceName is a DNS label', () => {
    assert.deepEqual(validateNamespaceName('kube-system', false), []);
    assert.deepEqual(validateNamespaceName('a.b', false), ['must not contain dots']);
  });

  it('nameIsPathSegment allows colons and rejects slashes', () => {
    assert.deepEqual(nameIsPathSegment('system:node:n1', false), []);
    assert.deepEqual(nameIsPathSegment('..', false), ["may not be '..'"]);
    assert.deepEqual(nameIsPathSegment('..', true), []);
    assert.deepEqual(nameIsPathSegment('a/', true), ["may not contain '/'"]);
  });
});
