// Run directly by Node (type stripping), not by vitest.
// A child-process HTTP server that streams one large AES-256-GCM encrypted CSV artifact
// (ciphertext || 16-byte tag), generated on the fly, so the memory test measures only the
// landing process. Input (env): KEY_HEX, IV_HEX, LINE_BYTES, HEADER; the row count comes from
// the `rows` query parameter. Prints the port.
import { createCipheriv } from 'node:crypto';
import { createServer } from 'node:http';

const key = Buffer.from(process.env.KEY_HEX ?? '', 'hex');
const iv = Buffer.from(process.env.IV_HEX ?? '', 'hex');
const lineBytes = Number(process.env.LINE_BYTES);
const header = process.env.HEADER ?? '';
const perBlock = 2000;

function line(i: number): string {
  const head = `${String(i).padStart(10, '0')},${i % 2 === 0 ? 'a' : 'b'},${(i % 1000) / 10}`;
  return `${head},${'x'.repeat(lineBytes - head.length - 2)}\n`;
}
let text = '';
for (let i = 0; i < perBlock; i += 1) text += line(i);
const block = Buffer.from(text);

const server = createServer((req, res) => {
  const rows = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('rows'));
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  res.writeHead(200, { 'content-type': 'text/csv' });
  let sent = 0;
  res.write(cipher.update(header));
  const pump = () => {
    while (sent < rows) {
      const n = Math.min(perBlock, rows - sent);
      sent += n;
      if (!res.write(cipher.update(n === perBlock ? block : block.subarray(0, n * lineBytes)))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
  };
  pump();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
