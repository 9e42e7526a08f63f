import {
  type Deadline,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';

// A call that ended before our unary handler ran: grpc-js answered it itself, or the client went away first.
export type EarlyEnd =
  | { kind: 'status'; path: string; code: status; details: string; startedMs: number }
  | { kind: 'cancelled'; path: string; deadline: Deadline; startedMs: number };

// Reports, once per call, every call grpc-js ends before the unary handler runs, so the journal still gets an entry:
// a message over grpc.max_receive_message_length (ResourceExhausted), an unknown or broken compression (Unimplemented,
// Internal), a malformed grpc-timeout (Internal), the deadline passing while the request still arrives
// (DeadlineExceeded), no request message or a second one (Unimplemented), and a client that cancels mid-request.
// Not seen here: a path no service registered (grpc-js answers Unimplemented before it builds any interceptor) and a
// non-gRPC content-type (HTTP 415, same place).
export function earlyStatusInterceptor(onEarlyEnd: (end: EarlyEnd) => void): ServerInterceptor {
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const startedMs = performance.now();
    let messageSeen = false;
    let handlerRunning = false;
    let reported = false;
    const report = (end: EarlyEnd) => {
      if (handlerRunning || reported) return;
      reported = true;
      onEarlyEnd(end);
    };
    // grpc-js sends its own statuses on the call beneath the interceptors (never through a responder), so that
    // call's sendStatus is wrapped to see them. Statuses our handler sends pass here too, after handlerRunning is set.
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (sent) => {
      report({
        kind: 'status',
        path: descriptor.path,
        code: sent.code ?? status.UNKNOWN,
        details: sent.details ?? '',
        startedMs,
      });
      sendStatus(sent);
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            messageSeen = true;
            nextMessage(message);
          },
          // grpc-js runs a unary handler on half-close, once it holds exactly one message.
          onReceiveHalfClose: (nextHalfClose) => {
            if (messageSeen) handlerRunning = true;
            nextHalfClose();
          },
          onCancel: () =>
            report({ kind: 'cancelled', path: descriptor.path, deadline: call.getDeadline(), startedMs }),
        }),
    });
  };
}
