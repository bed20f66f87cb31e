"""The Python side of test/interop/oslo-python.test.ts: the original oslo.messaging ZeroMQ
driver (tag rocky-eol, installed by scripts/oslo-interop/setup.sh) as an RPC server or an
RPC client, in direct mode with JSON on one Redis (zmq+redis://). Talks JSON lines on stdout.

  peer.py server <redis-port> <topic> <server>   prints {"ready": ...}, then one line per
                                                 cast/fanout it ran; stops when stdin closes
  peer.py client <redis-port> <topic> <server>   runs the client cases against a server
                                                 there, prints {"case": ..., ...} per case
  peer.py listener <redis-port> <topic>          notification listener on <topic>: prints
                                                 {"ready": ...}, then one line per notification
  peer.py notifier <redis-port> <topic> <text>   sends one info notification, then exits
  peer.py failures                               reads failure JSON lines from stdin, prints
                                                 what deserialize_remote_exception makes
"""
import json
import sys
import threading

from oslo_config import cfg
import oslo_messaging as om
from oslo_messaging._drivers import common


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def transport(port):
    conf = cfg.ConfigOpts()
    conf([], project="interop")
    t = om.get_rpc_transport(conf, url="zmq+redis://127.0.0.1:%d" % port)
    tune(conf)
    return t


def tune(conf):
    conf.set_override("rpc_zmq_host", "127.0.0.1", group="oslo_messaging_zmq")
    conf.set_override("rpc_zmq_bind_address", "127.0.0.1", group="oslo_messaging_zmq")
    conf.set_override("zmq_target_expire", 60, group="oslo_messaging_zmq")
    conf.set_override("zmq_target_update", 2, group="oslo_messaging_zmq")
    conf.set_override("wait_timeout", 200, group="matchmaker_redis")
    conf.set_override("check_timeout", 5000, group="matchmaker_redis")


class Endpoint(object):
    def __init__(self, name):
        self.name = name

    def echo(self, ctxt, value):
        return {"from": "python", "server": self.name, "value": value}

    def add(self, ctxt, a, b):
        return a + b

    def subtract(self, ctxt, increment):
        raise ValueError("ival can't go negative!")

    def note(self, ctxt, text):
        emit(cast="note", text=text, server=self.name)


def server(port, topic, name):
    t = transport(port)
    target = om.Target(topic=topic, server=name)
    srv = om.get_rpc_server(t, target, [Endpoint(name)], executor="threading")
    srv.start()
    emit(ready=True, topic=topic, server=name)
    sys.stdin.read()
    srv.stop()
    srv.wait()
    t.cleanup()


def client(port, topic, name):
    t = transport(port)
    c = om.RPCClient(t, om.Target(topic=topic), timeout=10)
    direct = c.prepare(server=name)

    def case(label, fn):
        try:
            emit(case=label, ok=True, result=fn())
        except Exception as e:  # report the class the caller sees
            emit(case=label, ok=False, type=type(e).__name__, module=type(e).__module__,
                 message=str(e), exc_type=getattr(e, "exc_type", None), value=getattr(e, "value", None))

    case("call", lambda: direct.call({"user": "py"}, "echo", value=[1, "two"]))
    case("call-topic", lambda: c.call({}, "add", a=2, b=3))
    case("cast", lambda: direct.cast({}, "note", text="from python"))
    case("no-such-method", lambda: direct.call({}, "nope"))
    case("type-error", lambda: direct.call({}, "fail_type"))
    case("range-error", lambda: direct.call({}, "fail_range"))
    case("fanout", lambda: c.prepare(fanout=True).cast({}, "note", text="python fanout"))
    emit(done=True)
    t.cleanup()


class NotifyEndpoint(object):
    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        emit(notification=event_type, publisher_id=publisher_id, payload=payload)


def listener(port, topic):
    conf = cfg.ConfigOpts()
    conf([], project="interop")
    t = om.get_notification_transport(conf, url="zmq+redis://127.0.0.1:%d" % port)
    tune(conf)
    lst = om.get_notification_listener(t, [om.Target(topic=topic)], [NotifyEndpoint()],
                                       executor="threading")
    lst.start()
    emit(ready=True, topic=topic)
    sys.stdin.read()
    lst.stop()
    lst.wait()
    t.cleanup()


def notifier(port, topic, text):
    conf = cfg.ConfigOpts()
    conf([], project="interop")
    t = om.get_notification_transport(conf, url="zmq+redis://127.0.0.1:%d" % port)
    tune(conf)
    n = om.Notifier(t, publisher_id="python.host", driver="messaging", topics=[topic])
    n.info({}, "interop.python", {"text": text})
    emit(sent=True)
    t.cleanup()


def failures():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        for allowed in ([], ["oslo_messaging.rpc.dispatcher", "oslo_messaging.exceptions"]):
            e = common.deserialize_remote_exception(line, allowed)
            emit(cls=json.loads(line)["class"], allowed=bool(allowed), type=type(e).__name__,
                 module=type(e).__module__, message=str(e).split("\n")[0])


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "failures":
        failures()
    elif mode == "listener":
        listener(int(sys.argv[2]), sys.argv[3])
    elif mode == "notifier":
        notifier(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif mode == "server":
        server(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        client(int(sys.argv[2]), sys.argv[3], sys.argv[4])
