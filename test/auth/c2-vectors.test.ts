import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signRequest } from '../../src/auth/c2.js';

const body = Buffer.from('{"ccId":1,"vdn":1,"offset":0,"limit":10}');
const base = { method: 'POST', path: '/rest/cmsapp/v1/openapi/agentgroup/systemstate', query: '', body };

test('signs the SPEC vector with host only', () => {
  const header = signRequest('globalaktest', 'example-sk-0123456789', '2024-01-01T00:00:00Z', {
    ...base,
    headers: { host: '10.22.26.181:28080' },
  });
  assert.equal(header, 'auth-v2/globalaktest/2024-01-01T00:00:00Z/host/f411889cab2a2b0b5662b96c03d80693d6e46171b9519318f76ec1addcef56d1');
});

test('signs the SPEC vector with host, content-type and content-length', () => {
  const header = signRequest('globalaktest', 'example-sk-0123456789', '2024-01-01T00:00:00Z', {
    ...base,
    headers: { host: '10.22.26.181:28080', 'content-type': 'application/json;charset=UTF-8', 'content-length': '40' },
  });
  assert.equal(
    header,
    'auth-v2/globalaktest/2024-01-01T00:00:00Z/content-length;content-type;host/15ec59e53dd147458f8c44c0cc72773248155f0d45df19efc4a48ec48aab528d',
  );
});
