import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { type ConfigHistoryStore, HISTORY_LIMIT, type NewRevision } from '../../../src/config/online/config-history.js';
import { FileConfigHistory } from '../../../src/config/online/file-config-history.js';
import { RedisConfigHistory } from '../../../src/config/online/redis-config-history.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const entry = (name: string): NewRevision => ({
  version: name,
  source: 'online',
  at: new Date(0).toISOString(),
  by: 'admin',
  fileVersion: null,
  document: { upstreams: { [name]: { type: 'openai', api_keys: [`sk-${name}`] } } },
});

interface Subject {
  open(): ConfigHistoryStore;
  cleanUp(): Promise<void>;
}

const subjects: Record<string, () => Subject> = {
  file: () => {
    const path = join(mkdtempSync(join(tmpdir(), 'llmgw-history-')), 'gateway.online.json');
    return { open: () => new FileConfigHistory(path), cleanUp: async () => undefined };
  },
  redis: () => {
    const prefix = uniquePrefix();
    return { open: () => new RedisConfigHistory(TEST_REDIS_URL, prefix), cleanUp: () => deleteKeys(TEST_REDIS_URL, prefix) };
  },
};

for (const [name, make] of Object.entries(subjects)) {
  test(`${name}: a commit is a compare-and-set on the latest revision; a second store on the same place sees it`, async (t) => {
    const subject = make();
    const store = subject.open();
    t.teardown(async () => {
      await store.close();
      await subject.cleanUp();
    });
    t.is(await store.latest(), undefined);
    const first = await store.commit(0, entry('a'));
    t.is(first?.revision, 1);
    t.is(await store.commit(0, entry('b')), undefined, 'a commit made on revision 0 after revision 1 exists is refused');
    t.is((await store.commit(1, entry('b')))?.revision, 2);
    const again = subject.open();
    t.is((await again.latest())?.revision, 2);
    t.deepEqual((await again.get(1))?.document, entry('a').document);
    t.deepEqual((await again.list()).map((revision) => revision.version), ['b', 'a']);
    t.is(await again.commit(1, entry('c')), undefined);
    await again.close();
  });

  test(`${name}: the history keeps the last ${HISTORY_LIMIT} revisions`, async (t) => {
    const subject = make();
    const store = subject.open();
    t.teardown(async () => {
      await store.close();
      await subject.cleanUp();
    });
    for (let revision = 0; revision < HISTORY_LIMIT + 3; revision++) await store.commit(revision, entry(`v${revision + 1}`));
    const list = await store.list();
    t.is(list.length, HISTORY_LIMIT);
    t.is(list[0]!.revision, HISTORY_LIMIT + 3);
    t.is(list.at(-1)!.revision, 4);
    t.is(await store.get(3), undefined, 'an old revision is gone');
  });
}

test('file: the history file is readable by its owner only (it holds upstream keys)', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'llmgw-history-')), 'nested', 'gateway.online.json');
  const store = new FileConfigHistory(path);
  await store.commit(0, entry('a'));
  t.is(statSync(path).mode & 0o777, 0o600);
});

test('redis: every instance hears of a commit', async (t) => {
  const prefix = uniquePrefix();
  const [writer, listener] = [new RedisConfigHistory(TEST_REDIS_URL, prefix), new RedisConfigHistory(TEST_REDIS_URL, prefix)];
  t.teardown(async () => {
    await Promise.all([writer.close(), listener.close()]);
    await deleteKeys(TEST_REDIS_URL, prefix);
  });
  const heard = new Promise<number>((resolve) => listener.subscribe(resolve));
  // The subscription is set up in the background; commit until it is heard.
  let revision = 0;
  const timer = setInterval(() => void writer.commit(revision, entry(`v${revision}`)).then((stored) => (revision = stored?.revision ?? revision)), 50);
  t.teardown(() => clearInterval(timer));
  t.true((await heard) >= 1);
});
