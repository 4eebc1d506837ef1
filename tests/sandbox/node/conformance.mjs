// Drives a HubSpot sandbox with HubSpot's Node client (@hubspot/api-client), unchanged but for
// its base path. Run by tests/sandbox/test_node_client.py, which serves the sandboxes and reads
// the report: one JSON line per check, {"check", "ok", "error"?}.
//
// Environment: SANDBOX_URL (a sandbox without rate limits), LIMITED_URL (one whose search is
// limited to one request a second), SANDBOX_TOKEN.
import assert from 'node:assert/strict';
import hubspot from '@hubspot/api-client';

const { Client } = hubspot;
const URL_ = process.env.SANDBOX_URL;
const LIMITED = process.env.LIMITED_URL;
const TOKEN = process.env.SANDBOX_TOKEN;
const HUBSPOT_DEFINED = 'HUBSPOT_DEFINED';

const client = (basePath = URL_, options = {}) =>
  new Client({ accessToken: TOKEN, basePath, ...options });

async function admin(path, body, base = URL_) {
  const answer = await fetch(`${base}/_sandbox/${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  assert.ok(answer.ok, `admin ${path}: ${answer.status}`);
}

async function contacts(api, count) {
  const inputs = [...Array(count).keys()].map((n) => ({
    properties: { email: `p${n}@x.com`, phone: `555-${n}` }, associations: [],
  }));
  const made = await api.crm.contacts.batchApi.create({ inputs });
  return made.results.map((record) => record.id).sort((a, b) => a - b);
}

async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to be refused');
}

const checks = {
  async crud(api) {
    const made = await api.crm.contacts.basicApi.create({
      properties: { email: 'ann@x.com', firstname: 'Ann' }, associations: [],
    });
    assert.equal(made.properties.email, 'ann@x.com');
    const got = await api.crm.contacts.basicApi.getById(made.id, ['firstname']);
    assert.equal(got.properties.firstname, 'Ann');
    const byEmail = await api.crm.contacts.basicApi.getById(
      'ann@x.com', undefined, undefined, undefined, false, 'email');
    assert.equal(byEmail.id, made.id);
    const patched = await api.crm.contacts.basicApi.update(made.id, { properties: { lastname: 'Lee' } });
    assert.equal(patched.properties.lastname, 'Lee');
    await api.crm.contacts.basicApi.archive(made.id);
    const archived = await api.crm.contacts.basicApi.getById(
      made.id, undefined, undefined, undefined, true);
    assert.equal(archived.archived, true);
  },

  async getAllFollowsThePaging(api) {
    const ids = await contacts(api, 23);
    const all = await api.crm.contacts.getAll(5, undefined, ['phone']);
    assert.deepEqual(all.map((record) => record.id), ids);
    assert.ok(all.every((record) => record.properties.phone.startsWith('555-')));
  },

  async pagingLinksRepeatTheQuery(api) {
    const ids = await contacts(api, 12);
    let page = await api.crm.contacts.basicApi.getPage(5, undefined, ['phone']);
    const seen = page.results.map((record) => record.id);
    while (page.paging?.next?.link) {
      const link = page.paging.next.link;
      assert.ok(link.startsWith(`${URL_}/crm/v3/objects/contacts?`), link);
      const answer = await fetch(link, { headers: { Authorization: `Bearer ${TOKEN}` } });
      page = await answer.json();
      assert.ok(page.results.length <= 5);
      assert.ok(page.results.every((record) => 'phone' in record.properties));
      seen.push(...page.results.map((record) => record.id));
    }
    assert.deepEqual(seen, ids);
  },

  async batchWithA207(api) {
    const [first] = await contacts(api, 2);
    const read = await api.crm.contacts.batchApi.read({
      inputs: [{ id: first }, { id: '999' }], properties: ['email'], propertiesWithHistory: [],
    });
    assert.deepEqual(read.results.map((record) => record.id), [first]);
    assert.equal(read.numErrors, 1);
    assert.equal(read.errors[0].category, 'OBJECT_NOT_FOUND');
  },

  async upsertByAUniqueProperty(api) {
    await api.crm.properties.coreApi.create('contacts', {
      name: 'legacy_id', label: 'Legacy id', type: 'string', fieldType: 'text',
      groupName: 'contactinformation', hasUniqueValue: true,
    });
    const inputs = [{ id: 'L-1', idProperty: 'legacy_id', properties: { email: 'l1@x.com' } }];
    const first = await api.crm.contacts.batchApi.upsert({ inputs });
    const again = await api.crm.contacts.batchApi.upsert({ inputs });
    assert.equal(first.results[0]._new, true);
    assert.equal(again.results[0]._new, false);
    assert.equal(first.results[0].id, again.results[0].id);
  },

  async searchWithPaging(api) {
    const ids = await contacts(api, 12);
    const seen = [];
    let after;
    for (;;) {
      const page = await api.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'HAS_PROPERTY' }] }],
        sorts: ['hs_object_id'], properties: ['email'], limit: 5, after,
      });
      assert.equal(page.total, 12);
      seen.push(...page.results.map((record) => record.id));
      if (!page.paging?.next?.after) break;
      after = page.paging.next.after;
    }
    assert.deepEqual(seen, ids);
  },

  async associationsBasic(api) {
    const [contact] = await contacts(api, 1);
    const company = (await api.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] })).id;
    const made = await api.crm.associations.v4.basicApi.createDefault('contacts', contact, 'companies', company);
    assert.equal(made.results[0].associationSpec.associationTypeId, 279);
    const back = await api.crm.associations.v4.basicApi.getPage('companies', company, 'contacts');
    assert.deepEqual(back.results.map((link) => String(link.toObjectId)), [contact]);
    await api.crm.associations.v4.basicApi.archive('contacts', contact, 'companies', company);
    const none = await api.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    assert.equal(none.results.length, 0);
  },

  async associationsLabelled(api) {
    const [contact] = await contacts(api, 1);
    const company = (await api.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] })).id;
    const made = await api.crm.associations.v4.basicApi.create('contacts', contact, 'companies', company,
      [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 1 }]);
    assert.deepEqual(made.labels, ['Primary']);
    const links = await api.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    const types = links.results[0].associationTypes.map((t) => t.typeId).sort((a, b) => a - b);
    assert.deepEqual(types, [1, 279]);
  },

  async associationsBatch(api) {
    const ids = await contacts(api, 3);
    const company = (await api.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] })).id;
    const inputs = ids.map((id) => ({
      _from: { id }, to: { id: company },
      types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 }],
    }));
    const made = await api.crm.associations.v4.batchApi.create('contacts', 'companies', { inputs });
    assert.equal(made.results.length, 3);
    const read = await api.crm.associations.v4.batchApi.getPage('companies', 'contacts', { inputs: [{ id: company }] });
    assert.deepEqual(read.results[0].to.map((t) => String(t.toObjectId)).sort(), [...ids].sort());
    await api.crm.associations.v4.batchApi.archive('contacts', 'companies',
      { inputs: [{ _from: { id: ids[0] }, to: [{ id: company }] }] });
    const left = await api.crm.associations.v4.basicApi.getPage('companies', company, 'contacts');
    assert.equal(left.results.length, 2);
  },

  async owners(api) {
    for (const n of [0, 1, 2]) await admin('owners', { email: `o${n}@x.com`, firstName: `O${n}` });
    const first = await api.crm.owners.ownersApi.getPage(undefined, undefined, 2);
    assert.deepEqual(first.results.map((owner) => owner.email), ['o0@x.com', 'o1@x.com']);
    const rest = await api.crm.owners.ownersApi.getPage(undefined, first.paging.next.after, 2);
    assert.deepEqual(rest.results.map((owner) => owner.email), ['o2@x.com']);
    const one = await api.crm.owners.ownersApi.getById(Number(first.results[1].id));
    assert.equal(one.email, 'o1@x.com');
  },

  async pipelines(api) {
    const deals = await api.crm.pipelines.pipelinesApi.getAll('deals');
    assert.equal(deals.results[0].id, 'default');
    assert.ok(deals.results[0].stages.some((stage) => stage.id === 'closedwon'));
    const tickets = await api.crm.pipelines.pipelinesApi.getAll('tickets');
    assert.equal(tickets.results[0].id, '0');
  },

  async merge(api) {
    const [first, second] = await contacts(api, 2);
    const merged = await api.crm.contacts.basicApi.merge({ primaryObjectId: first, objectIdToMerge: second });
    const found = await api.crm.contacts.basicApi.getById(second);
    assert.equal(found.id, merged.id);
  },

  async gdprDelete(api) {
    const [first] = await contacts(api, 1);
    await api.crm.contacts.basicApi.purge({ objectId: 'p0@x.com', idProperty: 'email' });
    const error = await refusal(api.crm.contacts.basicApi.getById(first));
    assert.equal(error.code, 404);
  },

  async errorsAreTheClientsOwn(api) {
    const stranger = new Client({ accessToken: 'not-a-token', basePath: URL_ });
    const unauthorized = await refusal(stranger.crm.contacts.basicApi.getById('1'));
    assert.equal(unauthorized.code, 401);
    assert.equal(unauthorized.body.category, 'INVALID_AUTHENTICATION');
    const missing = await refusal(api.crm.contacts.basicApi.getById('404'));
    assert.equal(missing.code, 404);
    await contacts(api, 1);
    const conflict = await refusal(api.crm.contacts.basicApi.create({ properties: { email: 'p0@x.com' }, associations: [] }));
    assert.equal(conflict.code, 409);
    assert.match(conflict.body.message, /Contact already exists/);
    await admin('faults', { status: 429, count: 1, path_contains: '/objects/contacts' });
    const limited = await refusal(api.crm.contacts.basicApi.getPage(1));
    assert.equal(limited.code, 429);
    assert.equal(limited.constructor.name, unauthorized.constructor.name);
  },

  async retryAfterA429Recovers() {
    await admin('reset', {}, LIMITED);
    const api = client(LIMITED, { numberOfApiCallRetries: 3 });
    await contacts(api, 2);
    const search = () => api.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 10 });
    const started = Date.now();
    const answers = await Promise.all([search(), search()]);
    assert.deepEqual(answers.map((page) => page.total), [2, 2]);
    const stats = await (await fetch(`${LIMITED}/_sandbox/stats`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })).json();
    assert.ok(stats.rate_limited >= 1, JSON.stringify(stats));
    assert.ok(Date.now() - started >= 900, 'the client waited before retrying');
  },
};

for (const [name, check] of Object.entries(checks)) {
  try {
    await admin('reset');
    await check(client());
    console.log(JSON.stringify({ check: name, ok: true }));
  } catch (error) {
    console.log(JSON.stringify({ check: name, ok: false, error: String(error?.stack ?? error) }));
  }
}
