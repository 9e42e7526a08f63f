import { parseArgs } from 'node:util';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';

// The interposer benchmark's reference row: the least a grpc-js server can do to pass a unary call on to another
// server (bytes in, bytes out, one client channel, no rules, journal, metrics or interceptors). What the interposer
// adds over the direct call, minus what this adds, is the cost of cosi-chaos's own code on the forward path.
// Usage: node --import tsx bench/grpc-passthrough.ts --socket PATH --upstream unix:PATH --path /pkg.Svc/Method
const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    upstream: { type: 'string' },
    path: { type: 'string', multiple: true },
  },
});
if (!values.socket || !values.upstream || !values.path?.length) {
  process.stderr.write(
    'usage: grpc-passthrough --socket PATH --upstream unix:PATH --path /pkg.Svc/Method...\n',
  );
  process.exit(2);
}
const upstream = new Client(values.upstream, credentials.createInsecure(), {
  'grpc.enable_retries': 0,
  'grpc.enable_channelz': 0,
});
const same = (bytes: Buffer) => bytes;
const server = new Server({ 'grpc.enable_channelz': 0 });
for (const path of values.path) {
  server.register(
    path,
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const metadata = new Metadata();
      upstream.makeUnaryRequest(
        path,
        same,
        same,
        call.request,
        metadata,
        { deadline: call.getDeadline() },
        callback,
      );
    },
    same,
    same,
    'unary',
  );
}
server.bindAsync(`unix:${values.socket}`, ServerCredentials.createInsecure(), (error) => {
  if (error) {
    process.stderr.write(`cannot listen on ${values.socket}: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', socket: values.socket, pid: process.pid })}\n`,
  );
});
process.stdin.on('end', () => process.exit(0));
// Exits rather than dies on SIGTERM, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
process.stdin.resume();
