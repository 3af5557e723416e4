// Starts the S3 test server (@20minutes/s3rver, which ships no CLI bin):
//   node run-s3rver.js --directory DIR --address 127.0.0.1 --port 4569 [--bucket NAME] [--cors FILE] [--silent]
// The bucket is created at start with the CORS rules in FILE (browser uploads need them).
// S3_ACCESS_KEY / S3_SECRET_KEY, when set, become a valid key pair, so the same credentials work
// against s3rver, MinIO and AWS.
'use strict';
const fs = require('fs');
const { parseArgs } = require('util');
const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');

const { values } = parseArgs({
  options: {
    directory: { type: 'string' },
    address: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4569' },
    bucket: { type: 'string' },
    cors: { type: 'string' },
    silent: { type: 'boolean', default: false },
  },
});
if (!values.directory) {
  console.error('--directory is required');
  process.exit(2);
}
if (process.env.S3_ACCESS_KEY) DUMMY_ACCOUNT.createKeyPair(process.env.S3_ACCESS_KEY, process.env.S3_SECRET_KEY);
fs.mkdirSync(values.directory, { recursive: true });

const configureBuckets = values.bucket
  ? [{ name: values.bucket, configs: values.cors ? [fs.readFileSync(values.cors)] : [] }]
  : [];
const server = new S3rver({
  address: values.address,
  port: Number(values.port),
  directory: values.directory,
  silent: values.silent,
  configureBuckets,
});
server.run().then(
  ({ address, port }) => console.log(`s3rver listening on http://${address}:${port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close().finally(() => process.exit(0)));
}
