"""Checkpoints end to end: SAVE, BGSAVE [SCHEDULE], LASTSAVE, INFO persistence, and recovery from
the newest checkpoint plus the AOF written since, after SIGKILL.

Run by ctest (label integration) with FERRITE_BIN set; needs Debian's python3-redis.
"""

import glob
import os
import signal
import socket
import time
import unittest

from ferrite_server import ServerProcess


def raw(port, command):
    """Sends one inline command and returns the reply line (redis-py turns BGSAVE's status text
    into True and LASTSAVE into a datetime)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(command.encode() + b"\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode().rstrip("\r\n")


def info(client):
    return client.info("persistence")


def wait_for(predicate, timeout=60.0):
    """Polls `predicate` until it is true (no timing is asserted: the deadline only stops a hung
    test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class CheckpointTest(unittest.TestCase):
    def start(self, aof, sync="always", interval=0):
        env = {
            "FERRITE_PERSISTENCE_AOF_ENABLED": "true" if aof else "false",
            "FERRITE_PERSISTENCE_AOF_SYNC": sync,
            "FERRITE_PERSISTENCE_CHECKPOINT_INTERVAL": str(interval),
            "FERRITE_METRICS_ENABLED": "false",
        }
        self.saved_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        self.server = ServerProcess()
        self.server.start()
        self.addCleanup(self.server.cleanup)
        self.addCleanup(self.restore_env)
        return self.server.client(decode_responses=True)

    def restore_env(self):
        for k, v in self.saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def restart_after_kill(self):
        self.server.stop(sig=signal.SIGKILL)
        self.server.start()
        return self.server.client(decode_responses=True)

    def checkpoints(self):
        return sorted(glob.glob(os.path.join(self.server.workdir, "data", "checkpoint-*.fcp")))

    def write_data(self, r, prefix, n):
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set(f"{prefix}:s{i}", f"v{i}")
            if i % 10 == 0:
                pipe.hset(f"{prefix}:h{i}", mapping={"a": i, "b": "x" * (i % 7)})
                pipe.rpush(f"{prefix}:l{i}", *[f"e{j}" for j in range(i % 90 + 1)])
                pipe.sadd(f"{prefix}:set{i}", *[f"m{j}" for j in range(i % 70 + 1)])
                pipe.zadd(f"{prefix}:z{i}", {f"z{j}": j / 3 for j in range(i % 80 + 1)})
        pipe.incrby(f"{prefix}:counter", n)
        pipe.set(f"{prefix}:ttl", "t", px=3_600_000)
        pipe.execute()

    def check_data(self, r, prefix, n):
        for i in range(n):
            self.assertEqual(r.get(f"{prefix}:s{i}"), f"v{i}", f"{prefix}:s{i}")
            if i % 10 == 0:
                self.assertEqual(r.hgetall(f"{prefix}:h{i}"), {"a": str(i), "b": "x" * (i % 7)})
                self.assertEqual(r.lrange(f"{prefix}:l{i}", 0, -1),
                                 [f"e{j}" for j in range(i % 90 + 1)])
                self.assertEqual(r.smembers(f"{prefix}:set{i}"), {f"m{j}" for j in range(i % 70 + 1)})
                got = r.zrange(f"{prefix}:z{i}", 0, -1, withscores=True)
                self.assertEqual(got, [(f"z{j}", j / 3) for j in range(i % 80 + 1)])
        self.assertEqual(r.get(f"{prefix}:counter"), str(n))
        self.assertGreater(r.pttl(f"{prefix}:ttl"), 0)

    def test_bgsave_more_writes_sigkill_everything_acknowledged_is_back(self):
        r = self.start(aof=True)
        self.write_data(r, "before", 3000)
        before = int(raw(self.server.port, "LASTSAVE")[1:])
        self.assertEqual(raw(self.server.port, "BGSAVE"), "+Background saving started")
        self.assertTrue(wait_for(lambda: info(r)["rdb_bgsave_in_progress"] == 0
                                 and info(r)["rdb_saves"] >= 1))
        fields = info(r)
        self.assertEqual(fields["rdb_last_bgsave_status"], "ok")
        self.assertGreaterEqual(fields["rdb_last_bgsave_time_sec"], 0)
        self.assertGreaterEqual(int(raw(self.server.port, "LASTSAVE")[1:]), before)
        self.assertEqual(len(self.checkpoints()), 1)
        self.write_data(r, "after", 1500)  # only in the AOF
        self.assertGreater(info(r)["rdb_changes_since_last_save"], 0)
        r = self.restart_after_kill()
        self.check_data(r, "before", 3000)
        self.check_data(r, "after", 1500)
        log = self.server.log_text()
        self.assertIn("DB loaded from checkpoint", log)
        self.assertIn("from offset", log)  # the AOF was replayed from the checkpoint's position

    def test_save_lastsave_and_schedule(self):
        r = self.start(aof=False)
        self.write_data(r, "k", 200)
        self.assertTrue(r.save())
        self.assertEqual(info(r)["rdb_changes_since_last_save"], 0)
        self.assertEqual(info(r)["rdb_saves"], 1)
        reply = raw(self.server.port, "BGSAVE SCHEDULE")
        self.assertIn(reply, ("+Background saving started", "+Background saving scheduled"))
        with self.assertRaises(Exception) as ctx:
            r.execute_command("BGSAVE", "NOW")
        self.assertIn("syntax error", str(ctx.exception))
        self.assertTrue(wait_for(lambda: info(r)["rdb_bgsave_in_progress"] == 0
                                 and info(r)["rdb_saves"] >= 2))
        self.assertLessEqual(len(self.checkpoints()), 2)  # older ones are pruned

    def test_checkpoint_alone_without_aof(self):
        r = self.start(aof=False)
        self.write_data(r, "saved", 1000)
        self.assertTrue(r.save())
        r = self.restart_after_kill()
        self.check_data(r, "saved", 1000)

    def test_clean_shutdown_takes_a_final_checkpoint(self):
        r = self.start(aof=False, interval=3600)
        self.write_data(r, "final", 500)
        self.assertEqual(self.server.stop(), 0)
        self.assertEqual(len(self.checkpoints()), 1)
        self.server.start()
        self.check_data(self.server.client(decode_responses=True), "final", 500)

    def test_shutdown_nosave_skips_and_save_forces_the_final_checkpoint(self):
        r = self.start(aof=False, interval=3600)
        self.write_data(r, "nosave", 100)
        try:
            r.execute_command("SHUTDOWN", "NOSAVE")
        except Exception:
            pass  # the connection closes without a reply, as with Redis
        self.assertEqual(self.server.wait_exit(), 0)
        self.assertEqual(len(self.checkpoints()), 0)
        self.server.start()
        r = self.server.client(decode_responses=True)
        self.write_data(r, "save", 100)
        r.config_set("save", "")  # no save points: only SHUTDOWN SAVE checkpoints
        try:
            r.execute_command("SHUTDOWN", "SAVE")
        except Exception:
            pass
        self.assertEqual(self.server.wait_exit(), 0)
        self.assertEqual(len(self.checkpoints()), 1)


if __name__ == "__main__":
    unittest.main()
