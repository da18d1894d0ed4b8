import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import { bearerKeyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { CLIENT_TOKEN, type RunningGateway, startGateway } from '../helpers/gateway.js';

// Online editing of the routing config, on one instance without Redis: the history lives in a file beside the config.

const ADMIN = 'sk-admin-token-for-online-config-01';
const KEY_A = 'sk-a-upstream-key-literal-000001';
const KEY_B = 'sk-b-upstream-key-literal-000002';
const ENV_KEY = 'sk-from-the-environment-00000003';

interface Answer {
  status: number;
  etag: string | null;
  body: Record<string, any>;
}

async function admin(gw: RunningGateway, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = ADMIN): Promise<Answer> {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as Record<string, any> };
}

const served = async (gw: RunningGateway) =>
  (await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).response.headers.get('x-gateway-upstream');

function fileText(a: FakeOpenAIUpstream, b: FakeOpenAIUpstream, target: string) {
  return `upstreams:
  a:
    type: openai-compatible
    base_url: ${a.url}
    api_keys: [${KEY_A}, "\${ENV_KEY_A}"]
  b:
    type: openai-compatible
    base_url: ${b.url}
    api_keys: [${KEY_B}]
routes:
  gpt-4o:
    targets: [{ upstream: ${target} }]
`;
}

test('online editing: masked read, validate, If-Match, history, rollback, a restart keeps the edit, and a later file edit wins', async (t) => {
  const [a, b] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  const file = writeConfigFile(fileText(a, b, 'a'));
  const env = { CONFIG_FILE: file, AUTH_TOKEN: ADMIN, ENV_KEY_A: ENV_KEY };
  let gw = await startGateway(env);
  t.teardown(async () => {
    await gw.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  // Reading: the admin only, secrets masked, environment references shown as written.
  t.is((await admin(gw, 'GET', '/admin/api/config', undefined, {}, CLIENT_TOKEN)).status, 403);
  const read = await admin(gw, 'GET', '/admin/api/config');
  t.is(read.status, 200);
  t.is(read.etag, '"0"');
  t.like(read.body, { revision: 0, source: 'file', by: file });
  t.deepEqual(read.body.document.upstreams.a.api_keys, ['sk-…0001', '${ENV_KEY_A}']);
  for (const secret of [KEY_A, KEY_B, ENV_KEY]) t.false(JSON.stringify(read.body).includes(secret));

  // Validating: errors with their paths, nothing applied.
  const broken = structuredClone(read.body.document);
  broken.routes['gpt-4o'].targets[0].weight = 0;
  broken.routes['gpt-4o'].targets.push({ upstream: 'nowhere' });
  const checked = await admin(gw, 'POST', '/admin/api/config/validate', broken);
  t.is(checked.status, 200);
  t.false(checked.body.valid);
  t.deepEqual(
    checked.body.errors.map((error: { path: string }) => error.path),
    ['routes.gpt-4o.targets[0].weight'],
  );
  t.true((await admin(gw, 'POST', '/admin/api/config/validate', read.body.document)).body.valid);

  // Editing: If-Match is required and must name the latest revision.
  const toB = structuredClone(read.body.document);
  toB.routes['gpt-4o'].targets = [{ upstream: 'b' }];
  t.like((await admin(gw, 'PUT', '/admin/api/config', toB)).body, { error: { code: 'precondition_required' } });
  const edited = await admin(gw, 'PUT', '/admin/api/config', toB, { 'if-match': read.etag! });
  t.is(edited.status, 200);
  t.is(edited.etag, '"1"');
  t.like(edited.body, { revision: 1, source: 'online', by: 'admin' });
  t.is(await served(gw), 'b');
  const stale = await admin(gw, 'PUT', '/admin/api/config', read.body.document, { 'if-match': '"0"' });
  t.is(stale.status, 412);
  t.is(stale.etag, '"1"');
  t.is(stale.body.error.code, 'config_revision_mismatch');
  const invalid = await admin(gw, 'PUT', '/admin/api/config', broken, { 'if-match': '"1"' });
  t.is(invalid.status, 400);
  t.is(invalid.body.error.code, 'invalid_config');
  t.is(invalid.body.errors[0].path, 'routes.gpt-4o.targets[0].weight');
  t.is(await served(gw), 'b', 'a refused edit changes nothing');

  // Back to a, whose masked keys were restored: the upstream gets the real ones.
  const backToA = await admin(gw, 'PUT', '/admin/api/config', read.body.document, { 'if-match': '"1"' });
  t.is(backToA.body.revision, 2);
  a.requests.length = 0;
  t.is(await served(gw), 'a');
  t.is(await served(gw), 'a');
  t.deepEqual(a.requests.map(bearerKeyOf).sort(), [ENV_KEY, KEY_A].sort());

  // History and rollback.
  const history = await admin(gw, 'GET', '/admin/api/config/history');
  t.deepEqual(
    history.body.revisions.map((entry: { revision: number; source: string; current: boolean }) => [entry.revision, entry.source, entry.current]),
    [
      [2, 'online', true],
      [1, 'online', false],
    ],
  );
  const one = await admin(gw, 'GET', '/admin/api/config/history/1');
  t.deepEqual(one.body.document.routes['gpt-4o'].targets, [{ upstream: 'b' }]);
  t.false(JSON.stringify(one.body).includes(KEY_B));
  t.is((await admin(gw, 'POST', '/admin/api/config/rollback', { revision: 1 }, { 'if-match': '"1"' })).status, 412);
  t.is((await admin(gw, 'POST', '/admin/api/config/rollback', { revision: 99 }, { 'if-match': '"2"' })).status, 404);
  const rolledBack = await admin(gw, 'POST', '/admin/api/config/rollback', { revision: 1 }, { 'if-match': '"2"' });
  t.like(rolledBack.body, { revision: 3, source: 'rollback' });
  t.is(await served(gw), 'b');

  // The edit is kept beside the config file, readable by its owner only, and survives a restart.
  const historyFile = join(dirname(file), 'gateway.online.json');
  t.is(statSync(historyFile).mode & 0o777, 0o600);
  await gw.close();
  gw = await startGateway(env);
  t.like((await admin(gw, 'GET', '/admin/api/config')).body, { revision: 3, source: 'rollback' });
  t.is(await served(gw), 'b');

  // The file edited while the gateway was down is newer: it is in force, and the online edit stays in the history.
  await gw.close();
  writeFileSync(file, fileText(a, b, 'a').replace('routes:', '# edited by hand\nroutes:').replace('[{ upstream: a }]', '[{ upstream: a, weight: 2 }]'));
  gw = await startGateway(env);
  t.like((await admin(gw, 'GET', '/admin/api/config')).body, { revision: 4, source: 'file' });
  t.is(await served(gw), 'a');
  t.true(gw.logs.some((line) => line.level === 'warn' && /the config file changed since config revision 3/.test(String(line.msg))));
  t.is((await admin(gw, 'GET', '/admin/api/config/history')).body.revisions.length, 4);
  t.true(readFileSync(historyFile, 'utf8').includes('"source": "rollback"'));
});

test('without an admin token configured, online editing is disabled', async (t) => {
  const open = await startGateway({ ALLOWED_TOKENS: '' });
  t.teardown(() => open.close());
  t.is((await admin(open, 'PUT', '/admin/api/config', {}, { 'if-match': '*' })).body.error.code, 'admin_disabled');
});
