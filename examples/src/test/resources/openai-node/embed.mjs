// Calls a wkr server's /v1/embeddings with the official `openai` npm package (TextEmbeddingTest).
// Env: WKR_BASE_URL (http://host:port/v1), WKR_TOKEN. Prints one JSON line per call.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.WKR_BASE_URL, apiKey: process.env.WKR_TOKEN, maxRetries: 0 });
const texts = ['The cat sat on the mat.', 'A cat was sitting on the mat', 'Quarterly earnings beat analyst expectations'];
const out = (o) => console.log(JSON.stringify(o));
// Asked for base64 explicitly, the SDK hands over the string; asked for nothing, it asks for base64
// itself and decodes it into numbers.
const vector = (e) => typeof e === 'string'
  ? Array.from(new Float32Array(new Uint8Array(Buffer.from(e, 'base64')).buffer)) : Array.from(e);

for (const format of ['float', 'base64', undefined]) {
  const r = await client.embeddings.create({ model: 'TextEmbeddingWorker', input: texts, encoding_format: format });
  out({ call: 'create', format: format ?? 'default', model: r.model, object: r.object, usage: r.usage,
        data: r.data.map((d) => ({ index: d.index, object: d.object, string: typeof d.embedding === 'string',
                                 embedding: vector(d.embedding) })) });
}
const models = await client.models.list();
out({ call: 'models', ids: models.data.map((m) => m.id) });

async function failure(name, call) {
  try {
    await call();
    out({ call: name, status: 200 });
  } catch (e) {
    out({ call: name, status: e.status, type: e.type ?? null, code: e.code ?? null, param: e.param ?? null,
          error: e.constructor.name });
  }
}
await failure('unknown-model', () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'a' }));
await failure('token-ids', () => client.embeddings.create({ model: 'TextEmbeddingWorker', input: [1, 2, 3] }));
await failure('bad-encoding', () => client.embeddings.create({ model: 'TextEmbeddingWorker', input: 'a',
                                                                encoding_format: 'int8' }));
const wrong = new OpenAI({ baseURL: process.env.WKR_BASE_URL, apiKey: 'sk-wrong', maxRetries: 0 });
await failure('wrong-token', () => wrong.embeddings.create({ model: 'TextEmbeddingWorker', input: 'a' }));
