import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { ask, fixture, trainAndWait, uploadFixture } from '../support/knowledge.ts';

const GOOD_FIXTURES = [
  'about.md',
  'contacts.html',
  'faq-ru.docx',
  'faq-uk.doc',
  'hours-ru.cp1251.txt',
  'hours-uk.utf16le.txt',
  'policies.pdf',
  'price-list.xls',
  'price-list.xlsx',
  'services.csv',
];

describe('api/agent: knowledge base and test chat (embedded, no LLM)', function () {
  this.timeout(60_000);
  let t: TestSystem;
  let anna: RegisteredOwner;

  before(async () => {
    t = await startTestSystem({ env: { FILE_MAX_MB: '0.5' } });
    anna = await registerOwner(t.http, { salon_name: 'Lotus' });
    for (const name of GOOD_FIXTURES) await uploadFixture(t.http, anna.access, name);
    const status = await trainAndWait(t.http, anna.access);
    expect(status.status).to.equal('completed');
    expect(status.progress).to.equal(1);
  });
  after(async () => {
    await t.close();
  });

  it('lists every format as ready, with its detected type and chunk count', async () => {
    const list = await t.http.get('/api/agent/files/', { token: anna.access });
    expect(list.status).to.equal(200);
    expect(list.body.map((file: { name: string }) => file.name)).to.have.members(GOOD_FIXTURES);
    for (const file of list.body) {
      expect(file.status, file.name).to.equal('ready');
      expect(file.chunk_count, file.name).to.be.above(0);
      expect(file.size).to.be.above(0);
    }
    expect(list.body.find((file: { name: string }) => file.name === 'faq-uk.doc').type).to.equal('doc');
  });

  it('returns the stored file for the same bytes uploaded again (200, same id)', async () => {
    const list = await t.http.get('/api/agent/files/', { token: anna.access });
    const csv = list.body.find((file: { name: string }) => file.name === 'services.csv');
    const again = await t.http.upload('/api/agent/files', anna.access, { file: fixture('services.csv') });
    expect(again.status).to.equal(200);
    expect(again.body.id).to.equal(csv.id);
  });

  it('answers a price question from the spreadsheet, with the sentence that answers and its source', async () => {
    const reply = await ask(t.http, anna.access, 'Сколько стоит маникюр с покрытием?');
    expect(reply.response).to.include('1500');
    expect(reply.response).to.match(/price-list\.xlsx?/);
    expect(reply.sources[0]!.name).to.match(/price-list\.xlsx?/);
    expect(reply.sources[0]!.text).to.include('Маникюр с покрытием');
    // Not the whole price list: the row that answers.
    expect(reply.response).to.not.include('Педикюр');
  });

  it('answers a question with a misspelled service as if it were spelled right', async () => {
    const reply = await ask(t.http, anna.access, 'Сколько стоит окрошивание?');
    expect(reply.response, reply.response).to.include('4500');
    expect(reply.sources[0]!.text).to.include('Окрашивание в один тон');
    const english = await ask(t.http, anna.access, 'How much is a haircutt?');
    expect(english.response).to.include('800');
  });

  it('answers in English from the CSV and in Ukrainian from the UTF-16 text', async () => {
    const english = await ask(t.http, anna.access, "How much is a men's haircut?");
    expect(english.response).to.include('800');
    expect(english.response).to.match(/^Here is what/);
    const ukrainian = await ask(t.http, anna.access, 'О котрій останній запис на манікюр?');
    expect(ukrainian.response).to.include('19:00');
    expect(ukrainian.response).to.match(/^Ось що сказано/);
  });

  it('answers where the salon is and how to pay, however briefly asked', async () => {
    for (const question of ['Where are you?', 'Де ви?', 'Как к вам добраться?']) {
      expect((await ask(t.http, anna.access, question)).response, question).to.include('12 Khreshchatyk St');
    }
    // The Russian FAQ lists the means of payment; an English question finds it through "pay" ↔ "наличные".
    expect((await ask(t.http, anna.access, 'Can I pay by card?')).response).to.include('Visa, Mastercard');
  });

  it('does not make up what the files do not say, and flags the chat for the owner', async () => {
    const reply = await ask(t.http, anna.access, 'Делаете ли вы татуировки?');
    expect(reply.response).to.match(/нет этой информации/);
    expect(reply.sources).to.deep.equal([]);
    // The price lists match "сколько стоит", but name no peeling: quoting them would give other prices.
    const peeling = await ask(t.http, anna.access, 'Сколько стоит пилинг?');
    expect(peeling.response).to.match(/нет этой информации/);
    expect(peeling.sources).to.deep.equal([]);
    const chat = await t.system.db.knex('chats').where({ owner_id: anna.id, channel: 'test' }).first();
    expect(chat.needs_attention).to.equal(true);
  });

  it('greets back and takes thanks without handing over', async () => {
    const testChat = () => t.system.db.knex('chats').where({ owner_id: anna.id, channel: 'test' });
    await testChat().update({ needs_attention: false });
    expect((await ask(t.http, anna.access, 'Привет!')).response).to.equal('Здравствуйте! Чем могу помочь?');
    expect((await ask(t.http, anna.access, 'ok, thanks')).response).to.equal(
      "You're welcome! Write any time you have a question.",
    );
    expect((await testChat().first()).needs_attention).to.equal(false);
  });

  it('hands over to the administrator when the customer asks for a person, and only then', async () => {
    const testChat = () => t.system.db.knex('chats').where({ owner_id: anna.id, channel: 'test' });
    await testChat().update({ needs_attention: false });
    // Mentioning the administrator is not asking for one: answered from the FAQ, not flagged.
    const mention = await ask(t.http, anna.access, 'Записаться можно через администратора?');
    expect(mention.response).to.include('администратора салона');
    expect((await testChat().first()).needs_attention).to.equal(false);
    const asked = await ask(t.http, anna.access, 'Позовите, пожалуйста, администратора');
    expect(asked.response).to.equal('Хорошо, я передал ваш вопрос администратору, он ответит вам здесь.');
    expect(asked.sources).to.deep.equal([]);
    expect((await testChat().first()).needs_attention).to.equal(true);
    const english = await ask(t.http, anna.access, 'Can I speak to a human?');
    expect(english.response).to.match(/asked the administrator to reply/);
  });

  it('searches the files for a question that opens with "tell me" or mentions calling, instead of handing over', async () => {
    const testChat = () => t.system.db.knex('chats').where({ owner_id: anna.id, channel: 'test' });
    const hours = /^hours-(ru|uk)/;
    await testChat().update({ needs_attention: false });
    const russian = await ask(t.http, anna.access, 'Скажите, а мастер работает в субботу?');
    expect(russian.response).to.include('Суббота: с 10:00 до 18:00');
    const english = await ask(t.http, anna.access, 'Tell me, is the master free on Saturday?');
    expect(english.sources.map((source: { name: string }) => source.name)).to.satisfy((names: string[]) =>
      names.some((name) => hours.test(name)),
    );
    expect((await testChat().first()).needs_attention).to.equal(false);
    // Searched too (what it finds depends on the files: "Friday" is one word of five), not handed over.
    const later = await ask(t.http, anna.access, 'Can I call you later and come back on Friday?');
    expect(later.response).to.not.match(/asked the administrator to reply/);
  });

  it('finds the hours for every day of the week, asked in another language than the file', async () => {
    for (const [question, answer] of [
      ['Are you open on Friday?', /пятница: с 9:00 до 21:00|п'ятниця: з 9:00 до 20:00/],
      ['Вы работаете в пятницу?', /пятница: с 9:00 до 21:00/],
      ['Are you open on Saturday?', /Суббота: с 10:00 до 18:00|Субота: з 10:00 до 17:00/],
      ['Are you open on Sunday?', /Воскресенье — выходной|Неділя — вихідний/],
    ] as const) {
      const reply = await ask(t.http, anna.access, question);
      expect(reply.response, question).to.match(answer);
    }
  });

  it('refuses unsupported, corrupt, empty, scanned and oversized files clearly, and keeps serving', async () => {
    const cases: [string, number, RegExp][] = [
      ['bad/program.pdf', 415, /content is something else/],
      ['bad/truncated.docx', 422, /damaged|could not be read/],
      ['bad/empty.txt', 422, /empty/],
      ['bad/scanned.pdf', 422, /no text layer/],
    ];
    for (const [name, status, detail] of cases) {
      const response = await t.http.upload('/api/agent/files/', anna.access, { file: fixture(name) });
      expect(response.status, name).to.equal(status);
      expect(response.body.detail, name).to.match(detail);
    }
    const big = await t.http.upload('/api/agent/files/', anna.access, {
      file: { name: 'big.txt', bytes: new Uint8Array(600 * 1024).fill(65) },
    });
    expect(big.status).to.equal(413);
    expect(big.body.detail).to.match(/limit/);
    const noFile = await t.http.upload('/api/agent/files/', anna.access, { other: 'x' });
    expect(noFile.status).to.equal(422);
    const json = await t.http.post('/api/agent/files/', { token: anna.access, body: { file: 'x' } });
    expect(json.status).to.equal(415);
    const list = await t.http.get('/api/agent/files/', { token: anna.access });
    expect(list.body).to.have.length(GOOD_FIXTURES.length);
    expect((await t.http.get('/health')).status).to.equal(200);
  });

  it('keeps another owner out: no files, no answers from them, no deleting them', async () => {
    const boris = await registerOwner(t.http, { salon_name: 'Barbershop' });
    expect((await t.http.get('/api/agent/files/', { token: boris.access })).body).to.deep.equal([]);
    const reply = await ask(t.http, boris.access, 'Сколько стоит маникюр с покрытием?');
    expect(reply.response).to.not.include('1500');
    expect(reply.sources).to.deep.equal([]);
    const annasFile = (await t.http.get('/api/agent/files/', { token: anna.access })).body[0];
    expect((await t.http.delete(`/api/agent/files/${annasFile.id}/`, { token: boris.access })).status).to.equal(404);
    expect((await t.http.get('/api/agent/files/', { token: anna.access })).body).to.have.length(GOOD_FIXTURES.length);
    expect((await t.http.get('/api/agent/train/status/', { token: boris.access })).body.status).to.equal('idle');
  });

  it("finds the price in an owner's only file, a one-passage price list, when the question has other words around it", async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    // "son" and "Tom" are in no file: they used to outweigh "haircut" and "men" in a one-chunk index.
    const reply = await ask(t.http, owner.access, "Hi! How much is a men's haircut for my son Tom?");
    expect(reply.response).to.include('800');
    expect(reply.sources[0]!.name).to.equal('services.csv');
  });

  it('a deleted file stops answering at once', async () => {
    const owner = await registerOwner(t.http);
    const { id } = await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    expect((await ask(t.http, owner.access, "How much is a men's haircut?")).response).to.include('800');
    expect((await t.http.delete(`/api/agent/files/${id}`, { token: owner.access })).status).to.equal(204);
    const after = await ask(t.http, owner.access, "How much is a men's haircut?");
    expect(after.response).to.not.include('800');
    expect((await t.http.delete(`/api/agent/files/${id}`, { token: owner.access })).status).to.equal(404);
  });

  it('a training run with nothing new still brings the search statistics up to the index (a run that died before refreshing them)', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    // As a process that died between indexing the file and refreshing the statistics would leave them.
    await t.system.db.knex('owner_term_stats').where({ owner_id: owner.id }).delete();
    const question = 'How much is a hot stone massage?';
    expect((await ask(t.http, owner.access, question)).response).to.not.include('3 500');
    const again = await trainAndWait(t.http, owner.access);
    expect(again.message).to.match(/Nothing new/);
    expect((await ask(t.http, owner.access, question)).response).to.include('3 500');
  });

  it('trains incrementally: a second run processes only new files, and says so', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    const again = await trainAndWait(t.http, owner.access);
    expect(again.message).to.match(/Nothing new/);
    await uploadFixture(t.http, owner.access, 'about.md');
    const third = await trainAndWait(t.http, owner.access);
    expect(third.message).to.equal('1 file(s) ready');
  });

  it('a second train request while training returns the running status instead of a second run', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'policies.pdf');
    const [first, second] = await Promise.all([
      t.http.post('/api/agent/train/', { token: owner.access }),
      t.http.post('/api/agent/train/', { token: owner.access }),
    ]);
    const bodies = [first.body.status, second.body.status].sort();
    expect(bodies).to.satisfy(
      (statuses: string[]) => statuses.includes('started') && statuses.filter((s) => s === 'started').length === 1,
    );
    const runs = await t.system.db.knex('training_runs').where({ owner_id: owner.id });
    expect(runs).to.have.length(1);
  });

  it('gives a default prompt with the salon name, saves a new one, and validates it', async () => {
    const owner = await registerOwner(t.http, { salon_name: 'Салон Ромашка' });
    const initial = await t.http.get('/api/agent/prompt/', { token: owner.access });
    expect(initial.body.prompt).to.include('Салон Ромашка');
    const saved = await t.http.put('/api/agent/prompt', {
      token: owner.access,
      body: { prompt: 'Отвечай как пират.' },
    });
    expect(saved.status).to.equal(200);
    expect((await t.http.get('/api/agent/prompt', { token: owner.access })).body.prompt).to.equal('Отвечай как пират.');
    expect((await t.http.put('/api/agent/prompt', { token: owner.access, body: { prompt: '' } })).status).to.equal(422);
    expect(
      (await t.http.put('/api/agent/prompt', { token: owner.access, body: { prompt: 'x'.repeat(4001) } })).status,
    ).to.equal(422);
    expect((await t.http.get('/api/agent/prompt', { token: owner.access })).body.prompt).to.equal('Отвечай как пират.');
  });

  it('refuses an empty test message (422) and a non-image photo (415)', async () => {
    expect((await t.http.upload('/api/agent/test/', anna.access, { message: '   ' })).status).to.equal(422);
    const photo = await t.http.upload('/api/agent/test/', anna.access, {
      message: 'hi',
      photo: { name: 'x.exe', bytes: new Uint8Array([77, 90]), type: 'application/x-msdownload' },
    });
    expect(photo.status).to.equal(415);
  });

  it('guests may read the knowledge base but not upload, train or change the prompt', async () => {
    const guest = await registerOwner(t.http);
    await t.system.db.knex('owners').where({ id: guest.id }).update({ role: 'guest' });
    expect((await t.http.get('/api/agent/files/', { token: guest.access })).status).to.equal(200);
    expect((await t.http.upload('/api/agent/files/', guest.access, { file: fixture('services.csv') })).status).to.equal(
      403,
    );
    expect((await t.http.post('/api/agent/train/', { token: guest.access })).status).to.equal(403);
    expect((await t.http.put('/api/agent/prompt/', { token: guest.access, body: { prompt: 'x' } })).status).to.equal(
      403,
    );
  });
});

describe('api/agent training after a crash', () => {
  it('a run whose process died (stale heartbeat) is reported failed, and training can start again', async () => {
    const t = await startTestSystem();
    try {
      const owner = await registerOwner(t.http);
      await t.system.db.knex('training_runs').insert({
        owner_id: owner.id,
        status: 'training',
        progress: 0.4,
        message: 'Processing x.pdf',
        generation: 0,
        started_at: new Date(Date.now() - 10 * 60_000),
        heartbeat_at: new Date(Date.now() - 5 * 60_000),
      });
      const status = await t.http.get('/api/agent/train/status/', { token: owner.access });
      expect(status.body.status).to.equal('failed');
      expect(status.body.message).to.match(/interrupted/);
      await uploadFixture(t.http, owner.access, 'about.md');
      expect((await trainAndWait(t.http, owner.access)).status).to.equal('completed');
    } finally {
      await t.close();
    }
  });
});
