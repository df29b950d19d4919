# Pipes: a one-way pipe read until EOF, and a duplex pipe for questions and answers.
from multiprocessing import Pipe, Process


def talker(writer, reader):
    reader.close()  # this process only writes
    for word in ["alpha", "beta", "gamma"]:
        writer.send(word)
        print(f"talker: sent {word!r}", flush=True)
    writer.close()  # the reader will get EOFError once every write end is closed


def shouter(conn, parent_end):
    parent_end.close()  # our inherited copy of the parent's end: close it, or EOF never comes
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            print("shouter: the other side closed the pipe, stopping", flush=True)
            break
        conn.send(msg.upper())


if __name__ == "__main__":
    reader, writer = Pipe(duplex=False)  # reader can only recv, writer can only send
    t = Process(target=talker, args=(writer, reader), name="talker")
    t.start()
    writer.close()  # the parent's copy of the write end, or recv() would wait forever
    while True:
        try:
            print(f"main: received {reader.recv()!r}", flush=True)
        except EOFError:
            print("main: EOFError, the talker is done", flush=True)
            break
    t.join()

    here, there = Pipe()  # duplex: both ends send and receive
    s = Process(target=shouter, args=(there, here), name="shouter")
    s.start()
    there.close()
    for word in ["ping", "pong"]:
        here.send(word)
        print(f"main: sent {word!r}, got back {here.recv()!r}", flush=True)
    here.close()
    s.join()
