// HubSpot's Node client (@hubspot/api-client) doing by hand what bench/sidebyside.py times:
// MODE=list reads every contact, 100 a page, following `after`; MODE=upsert writes COUNT
// contacts by email, 100 per batch upsert, one call after another. Its own retry of 429s is on
// (numberOfApiCallRetries), as its README advises. Prints one JSON line: {"seconds", "records"}.
//
// Environment: SANDBOX_URL, SANDBOX_TOKEN, MODE (list | upsert), COUNT (upsert only).
import hubspot from '@hubspot/api-client';

const client = new hubspot.Client({
  accessToken: process.env.SANDBOX_TOKEN,
  basePath: process.env.SANDBOX_URL,
  numberOfApiCallRetries: 6,
});

async function list() {
  let after;
  let records = 0;
  do {
    const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'firstname']);
    records += page.results.length;
    after = page.paging?.next?.after;
  } while (after);
  return records;
}

async function upsert(count) {
  for (let first = 0; first < count; first += 100) {
    const inputs = [];
    for (let i = first; i < Math.min(first + 100, count); i += 1) {
      const email = `row${i}@legacy.test`;
      inputs.push({ id: email, idProperty: 'email',
        properties: { email, firstname: `Sql${i}`, lastname: 'S' } });
    }
    await client.crm.contacts.batchApi.upsert({ inputs });
  }
  return count;
}

const started = performance.now();
const records = process.env.MODE === 'list' ? await list() : await upsert(Number(process.env.COUNT));
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, records }));
