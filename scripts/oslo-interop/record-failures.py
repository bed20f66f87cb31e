"""Records oslo's failure JSON for each case (serialize_remote_exception at rocky-eol)."""
import json, sys
import oslo_messaging as om
from oslo_messaging._drivers import common
from oslo_messaging.rpc import dispatcher, client
from oslo_messaging import exceptions, server

class Incoming(object):
    def __init__(self, message):
        self.ctxt = {}
        self.message = message
        self.client_timeout = None

class Endpoint(object):
    target = om.Target(version="1.0")
    def subtract(self, ctxt, increment):
        raise ValueError("ival can't go negative!")

d = dispatcher.RPCDispatcher([Endpoint()], None)

def fail(fn):
    try:
        fn()
    except Exception:
        f = json.loads(common.serialize_remote_exception(sys.exc_info()))

        return f

def raise_(e):
    def r():
        raise e
    return r

out = {
    "NoSuchMethod": fail(lambda: d.dispatch(Incoming({"method": "nope", "args": {}}))),
    "UnsupportedVersion": fail(lambda: d.dispatch(Incoming({"method": "subtract", "args": {}, "version": "2.0"}))),
    "ValueError": fail(lambda: d.dispatch(Incoming({"method": "subtract", "args": {"increment": 3}}))),
    "TypeError": fail(raise_(TypeError("unsupported operand"))),
    "KeyError": fail(raise_(KeyError("vm-1"))),
    "MessagingTimeout": fail(raise_(exceptions.MessagingTimeout("Timeout 5 seconds was reached for message x"))),
    "InvalidTarget": fail(raise_(exceptions.InvalidTarget("A topic is required to send", om.Target(server="s")))),
    "RemoteError": fail(raise_(client.RemoteError("KeyError", "'vm-1'", "Traceback ..."))),
    "RPCVersionCapError": fail(raise_(client.RPCVersionCapError("2.1", "2.0"))),
    "MessagingServerError": fail(raise_(server.MessagingServerError("server broke"))),
}
print(json.dumps(out, indent=1))
