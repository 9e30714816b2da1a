// The OpenAPI description of every interface the server answers, served at /api/v1/openapi.json.

const failure = {
  type: 'object',
  required: ['result', 'resultCode', 'resultDesc'],
  properties: {
    result: { type: 'string', enum: ['1'] },
    resultCode: { type: 'string', description: "Huawei CC-CMS code: 0100001, 0100002, 0101003 or 0100999" },
    resultDesc: { type: 'string', description: 'what was wrong, in words a person can act on' },
  },
};

const counts = {
  type: 'object',
  required: ['busyAgent', 'talkingNum', 'idleAgent', 'totalLoginAgent'],
  properties: {
    busyAgent: { type: 'integer', description: 'signed in and unavailable: states 6-10' },
    talkingNum: { type: 'integer', description: 'signed in and engaged in a call: states 2-5' },
    idleAgent: { type: 'integer', description: 'signed in and ready: state 1' },
    totalLoginAgent: { type: 'integer', description: 'signed in: every state but 0' },
  },
};

const envelope = (data: object) => ({
  type: 'object',
  properties: { result: { type: 'string', enum: ['0'] }, resultCode: { type: 'string', enum: ['0100000'] }, resultDesc: data },
});

const ok = (description: string, data: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema: envelope(data) } },
});

const failures = {
  '400': { description: 'invalid input', content: { 'application/json': { schema: failure } } },
  '401': { description: 'signature missing or wrong', content: { 'application/json': { schema: failure } } },
  '403': { description: 'the key lacks the role or scope', content: { 'application/json': { schema: failure } } },
  '429': { description: 'flow control; see Retry-After', content: { 'application/json': { schema: failure } } },
};

const agentRef = {
  type: 'object',
  required: ['ccId', 'vdn', 'agentId'],
  properties: {
    ccId: { type: 'integer', minimum: 1, maximum: 65535 },
    vdn: { type: 'integer', minimum: 1, maximum: 5000 },
    agentId: { type: 'integer', description: '101-59999 or 70000-999999' },
  },
};

const event = {
  type: 'object',
  required: ['ccId', 'vdn', 'agentId', 'state', 'at'],
  properties: {
    ...agentRef.properties,
    state: { oneOf: [{ type: 'integer', minimum: 0, maximum: 10 }, { type: 'string', description: 'state name, e.g. talking' }] },
    at: { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', description: 'epoch milliseconds' }] },
    reason: { type: 'integer', minimum: 0, maximum: 65535 },
  },
};

const vdnPath = [
  { name: 'ccId', in: 'path', required: true, schema: { type: 'integer' } },
  { name: 'vdn', in: 'path', required: true, schema: { type: 'integer' } },
];

export const OPENAPI_DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'ccmon',
    version: '1',
    description:
      'Huawei CC-CMS "Querying System Status by Agent" and ccmon\'s own roster and event interface. ' +
      'Every operation but this document and the health checks is signed with Huawei C2 (auth-v2).',
  },
  components: {
    securitySchemes: { c2: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}' } },
  },
  security: [{ c2: [] }],
  paths: {
    '/rest/cmsapp/v1/openapi/agentgroup/systemstate': {
      post: {
        summary: 'Counts of one page of a VDN\'s agents (read role)',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  queryParam: { type: 'object' },
                  ccId: { type: 'integer' },
                  vdn: { type: 'integer' },
                  offset: { type: 'integer' },
                  limit: { type: 'integer', minimum: 1, maximum: 100 },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'success, or resultCode 0100002 for an invalid parameter',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { result: { type: 'string' }, resultCode: { type: 'string' }, resultDatas: counts, resultDesc: counts } },
              },
            },
          },
          ...failures,
        },
      },
    },
    '/rest/cmsapp/v1/ping': {
      post: { summary: 'Signature smoke test', responses: { '200': { description: '{"request":{...},"status":"UP"}' }, ...failures } },
    },
    '/api/v1/vdns': { get: { summary: 'Configured VDNs with totals (read)', responses: { '200': ok('VDNs'), ...failures } } },
    '/api/v1/vdns/{ccId}/{vdn}': {
      parameters: vdnPath,
      put: { summary: 'Configure a VDN (write)', responses: { '200': ok('already configured'), '201': ok('configured'), ...failures } },
      delete: { summary: 'Remove a VDN and its roster (write)', responses: { '200': ok('removed'), '404': { description: 'not configured' }, ...failures } },
    },
    '/api/v1/vdns/{ccId}/{vdn}/agents': {
      parameters: vdnPath,
      get: {
        summary: 'A page of the roster with current states (read)',
        parameters: [
          { name: 'offset', in: 'query', schema: { type: 'integer', default: 0 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', default: 100, maximum: 1000 } },
        ],
        responses: { '200': ok('agents'), ...failures },
      },
    },
    '/api/v1/vdns/{ccId}/{vdn}/agents/{agentId}': {
      parameters: [...vdnPath, { name: 'agentId', in: 'path', required: true, schema: { type: 'integer' } }],
      put: {
        summary: 'Add an agent or update its skills (write)',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { skills: { type: 'array', items: { type: 'integer' } } } } } } },
        responses: { '200': ok('updated'), '201': ok('added'), ...failures },
      },
      delete: { summary: 'Remove an agent (write)', responses: { '200': ok('removed'), '404': { description: 'not on the roster' }, ...failures } },
    },
    '/api/v1/roster': {
      post: {
        summary: 'Bulk roster change, applied whole or not at all (write)',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  configure: { type: 'array', items: { type: 'object', properties: { ccId: { type: 'integer' }, vdn: { type: 'integer' } } } },
                  upsert: { type: 'array', items: { ...agentRef, properties: { ...agentRef.properties, skills: { type: 'array', items: { type: 'integer' } } } } },
                  remove: { type: 'array', items: agentRef },
                },
              },
            },
          },
        },
        responses: { '200': ok('counts of what changed'), '413': { description: 'too many entries' }, ...failures },
      },
    },
    '/api/v1/events': {
      post: {
        summary: 'A batch of agent state events; durable when answered (write)',
        requestBody: {
          content: { 'application/json': { schema: { type: 'object', properties: { events: { type: 'array', items: event } } } } },
        },
        responses: {
          '200': ok('one result per event', {
            type: 'object',
            properties: {
              applied: { type: 'integer' },
              duplicate: { type: 'integer' },
              stale: { type: 'integer' },
              rejected: { type: 'integer' },
              results: {
                type: 'array',
                items: { type: 'object', properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'stale', 'rejected'] }, reason: { type: 'string' } } },
              },
            },
          }),
          ...failures,
        },
      },
    },
    '/api/v1/keys': {
      get: { summary: 'List keys, never their secrets (admin)', responses: { '200': ok('keys'), ...failures } },
      post: {
        summary: 'Create a key; the SK is shown in this answer only (admin)',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['role', 'scopes'],
                properties: {
                  ak: { type: 'string' },
                  sk: { type: 'string' },
                  role: { type: 'string', enum: ['read', 'write', 'admin'] },
                  scopes: { type: 'array', items: { type: 'string', description: 'global, CC or CC/VDN' } },
                  rateLimit: { type: 'number', description: 'requests per second' },
                },
              },
            },
          },
        },
        responses: { '201': ok('the key with its SK'), '409': { description: 'the AK exists' }, ...failures },
      },
    },
    '/api/v1/keys/{ak}': {
      delete: { summary: 'Delete a key (admin)', parameters: [{ name: 'ak', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': ok('deleted'), ...failures } },
    },
    '/api/v1/openapi.json': { get: { summary: 'This document (unsigned)', security: [], responses: { '200': { description: 'OpenAPI 3' } } } },
    '/healthz': { get: { summary: 'Alive (unsigned)', security: [], responses: { '200': { description: 'UP' } } } },
    '/readyz': { get: { summary: 'Ready: the store takes writes (unsigned)', security: [], responses: { '200': { description: 'READY' }, '503': { description: 'not ready' } } } },
  },
};
