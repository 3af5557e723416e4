// Starts the S3 test server: node run-s3rver.js -d DIR -a 127.0.0.1 -p 4569 [--silent]
//   [--configure-bucket NAME cors.xml]
// The package ships no CLI bin. S3_ACCESS_KEY / S3_SECRET_KEY (if set) become a valid key pair,
// so the same credentials work against s3rver, MinIO and AWS.
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');
if (process.env.S3_ACCESS_KEY) DUMMY_ACCOUNT.createKeyPair(process.env.S3_ACCESS_KEY, process.env.S3_SECRET_KEY);
require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv);
