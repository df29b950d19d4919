package web

import "mpplayground/event"

// diagnosisText is what the page says of one pattern of the diagnosis
// event (docs/events.md, "Why a run is stuck") in one language: a title,
// why the run is stuck, and how to fix it. Code is written between
// backquotes; the page shows it as code. docs/diagnosis.md holds the same
// texts, with an example program per pattern, and a test holds the two to
// each other.
type diagnosisText struct {
	Title, Why, Fix string
}

// diagnosisCatalogue is every pattern of event.Patterns in every language
// of the interface.
var diagnosisCatalogue = map[string]map[string]diagnosisText{
	event.PatternJoinBeforeDrain: {
		"en": {
			Title: "Joined before the queue was emptied",
			Why:   "A process that has put items into a queue does not end until all of them have gone into the pipe under the queue, and that pipe holds only a little. Your program joins the process before taking its items out: the child waits for someone to take the items, and the parent waits for the child to end. Each waits for the other.",
			Fix:   "Take the items out first (call `get()` until you have them all), then call `join()`. Read everything, then join.",
		},
		"zh": {
			Title: "在取空队列之前就调用了 join",
			Why:   "一个进程往队列里放了数据后,要等这些数据全部送进队列底下的管道才能结束,而这个管道一次只能装下不多的数据。你的程序还没把数据取出来,就对这个进程调用了 `join()`:子进程在等有人把数据取走,父进程在等子进程结束,双方互相等待。",
			Fix:   "先用 `get()` 把数据全部取出来,再调用 `join()`。也就是说:先读完,再 join。",
		},
	},
	event.PatternMissingSentinel: {
		"en": {
			Title: "Waiting for an item that will never come",
			Why:   "A process is waiting in `get()` on a queue, but every process that put items into it has finished with it. Nobody will put anything again, so `get()` waits forever. Usually the consumer loops until it reads a special “stop” value, and the producer never put one.",
			Fix:   "When the producers are done, put one stop value (a sentinel such as `None`) for each consumer, and let each consumer leave its loop when it gets one. `get(timeout=...)` also stops the wait.",
		},
		"zh": {
			Title: "在等一个永远不会来的数据",
			Why:   "有进程在队列上调用 `get()` 等待数据,但所有往这个队列放数据的进程都已经不再放了。不会再有数据到来,所以 `get()` 会一直等下去。通常消费者会循环读取,直到读到一个表示“结束”的特殊值,而生产者忘了放这个值。",
			Fix:   "生产者完成后,为每个消费者各放入一个结束标记(哨兵值,例如 `None`),消费者读到它就退出循环。使用 `get(timeout=...)` 也能结束等待。",
		},
	},
	event.PatternLockOrder: {
		"en": {
			Title: "Locks taken in opposite orders",
			Why:   "Each of these processes holds one lock and waits for a lock that another of them holds. Process A has lock 1 and wants lock 2; process B has lock 2 and wants lock 1. Neither lets go, so both wait forever: a deadlock.",
			Fix:   "Make every process take the locks in the same order (always lock 1 before lock 2), or protect both things with one lock.",
		},
		"zh": {
			Title: "以相反的顺序获取锁",
			Why:   "这几个进程各自持有一把锁,同时又在等另一个进程手里的锁。进程 A 拿着锁 1 想要锁 2,进程 B 拿着锁 2 想要锁 1。谁都不肯先放手,于是它们会永远等下去,这就是死锁。",
			Fix:   "让所有进程都按同一个顺序获取锁(例如总是先锁 1 再锁 2),或者只用一把锁来保护这两样东西。",
		},
	},
	event.PatternLockNotReleased: {
		"en": {
			Title: "A lock that is never released",
			Why:   "A process is waiting to acquire a lock, but the process holding it has ended, or is not waiting for anything and will not give it back. A multiprocessing lock is not released when its holder ends: if `release()` is never called, everyone else waits forever.",
			Fix:   "Use `with lock:` instead of `acquire()` and `release()`: the lock is then released even when the code inside returns early or raises an error.",
		},
		"zh": {
			Title: "锁一直没有被释放",
			Why:   "有进程在等待获取一把锁,但持有这把锁的进程已经结束了,或者它并没有在等什么,却不会再释放这把锁。进程结束时,multiprocessing 的锁不会自动释放:只要没有人调用 `release()`,其他进程就会一直等下去。",
			Fix:   "用 `with lock:` 代替手动调用 `acquire()` 和 `release()`:这样即使中间的代码提前返回或抛出异常,锁也会被释放。",
		},
	},
	event.PatternRecvNoSender: {
		"en": {
			Title: "Receiving from a pipe nobody sends on",
			Why:   "A process waits in `recv()` on one end of a pipe, but no running process holds or uses the other end, so no message can ever arrive.",
			Fix:   "Make sure the process that should answer really calls `send()` on the other end, before it ends. Close the ends a process does not use: then `recv()` raises `EOFError` instead of waiting forever.",
		},
		"zh": {
			Title: "在一个没人发送的管道上接收",
			Why:   "有进程在管道的一端调用 `recv()` 等待消息,但没有任何正在运行的进程持有或使用管道的另一端,所以永远不会有消息到来。",
			Fix:   "确认该回复的进程确实在另一端调用了 `send()`,而且是在它结束之前。把进程用不到的那一端关掉:这样 `recv()` 会抛出 `EOFError`,而不是一直等下去。",
		},
	},
	event.PatternPoolNotClosed: {
		"en": {
			Title: "Waiting for a pool that was never closed",
			Why:   "The program waits for the pool's worker processes to end, but workers end only after the pool is closed (`close()`) or terminated (`terminate()`). Until then they wait for more tasks, and the program waits for them forever.",
			Fix:   "Call `pool.close()` and then `pool.join()`, or use the pool in a `with` block and collect every result inside it.",
		},
		"zh": {
			Title: "在等一个从未关闭的进程池",
			Why:   "程序在等进程池的工作进程结束,但工作进程只有在进程池被关闭(`close()`)或终止(`terminate()`)之后才会结束。在那之前它们会一直等新的任务,程序也就一直等着它们。",
			Fix:   "先调用 `pool.close()`,再调用 `pool.join()`;或者把进程池写在 `with` 代码块里,并在块内取回所有结果。",
		},
	},
	event.PatternResultNeverReady: {
		"en": {
			Title: "Waiting for a result that will never be ready",
			Why:   "A process waits for the result of a pool task (`get()`, `wait()` or `map()`), but the result can never come: the task failed in a way the pool could not report (its worker was killed, say), or the pool was terminated before the task finished.",
			Fix:   "Collect the results while the pool is still open (inside its `with` block), and give `get()` a timeout, such as `get(timeout=10)`: a lost task then shows up as an error instead of a hang.",
		},
		"zh": {
			Title: "在等一个永远不会出来的结果",
			Why:   "有进程在等进程池任务的结果(`get()`、`wait()` 或 `map()`),但这个结果永远不会出来:任务以进程池无法报告的方式失败了(例如执行它的工作进程被杀死了),或者进程池在任务完成之前就被终止了。",
			Fix:   "在进程池还开着的时候(也就是在它的 `with` 代码块里)取回结果,并给 `get()` 加上超时,例如 `get(timeout=10)`:丢失的任务就会变成一个错误,而不是一直卡住。",
		},
	},
	event.PatternBarrierTooFew: {
		"en": {
			Title: "Too few processes reach the barrier",
			Why:   "A barrier lets processes through only when as many as it was made for have called `wait()`. Fewer processes reached it, so the ones that did wait for the others, who will never come.",
			Fix:   "Make the barrier's number match the processes that call `wait()`: `Barrier(n)` for exactly n processes. A `timeout` on `wait()` turns the hang into an error.",
		},
		"zh": {
			Title: "到达屏障的进程太少",
			Why:   "屏障(Barrier)要等到创建时指定数量的进程都调用了 `wait()`,才会放它们一起通过。到达屏障的进程比这个数少,所以已经到达的进程会一直等那些永远不会来的进程。",
			Fix:   "让屏障的数量与调用 `wait()` 的进程数一致:n 个进程就用 `Barrier(n)`。给 `wait()` 设置 `timeout`,卡住就会变成一个错误。",
		},
	},
	event.PatternEventNeverSet: {
		"en": {
			Title: "Waiting for an event that is never set",
			Why:   "A process waits in `event.wait()`, but no process will call `event.set()`: the one that should has ended, or is waiting itself, or never reaches that line.",
			Fix:   "Make sure a process calls `set()` on the same event (pass it in as an argument), on every path, also when something fails. `wait(timeout=...)` returns `False` instead of waiting forever.",
		},
		"zh": {
			Title: "在等一个永远不会被设置的事件",
			Why:   "有进程在 `event.wait()` 里等待,但没有进程会调用 `event.set()`:本该调用它的进程已经结束了,或者它自己也在等待,或者根本执行不到那一行。",
			Fix:   "确保有进程在同一个事件对象上调用 `set()`(把事件作为参数传给它),而且每条路径都会调用,出错时也一样。`wait(timeout=...)` 超时后会返回 `False`,而不是一直等下去。",
		},
	},
	event.PatternDaemonWithChildren: {
		"en": {
			Title: "A daemon process cannot start children",
			Why:   "A daemonic process (one made with `daemon=True`, and every pool worker) may not start processes of its own: Python raises `AssertionError: daemonic processes are not allowed to have children`. The process that should have started the work stops there, and the others wait for results that never come.",
			Fix:   "Start the child processes from the main process, or make their parent an ordinary process (`daemon=False`). Do not create a `Pool` or a `Process` inside a pool task.",
		},
		"zh": {
			Title: "守护进程不能创建子进程",
			Why:   "守护进程(用 `daemon=True` 创建的进程,以及所有进程池工作进程)不允许再创建自己的子进程:Python 会抛出 `AssertionError: daemonic processes are not allowed to have children`。本该启动工作的进程就此停下,其他进程则一直等着永远不会到来的结果。",
			Fix:   "改由主进程来启动这些子进程,或者把它们的父进程改成普通进程(`daemon=False`)。不要在进程池任务里创建 `Pool` 或 `Process`。",
		},
	},
	event.PatternMainGuardMissing: {
		"en": {
			Title: "The main guard is missing",
			Why:   "With the spawn and forkserver start methods, every new process imports your program again from the top. Without `if __name__ == \"__main__\":` the code that starts processes runs again in each child, so children try to start children of their own; Python stops them with an error, and the parent waits for work that never gets done.",
			Fix:   "Put the code that creates processes, pools and queues under `if __name__ == \"__main__\":`, and keep only imports and function definitions at the top level.",
		},
		"zh": {
			Title: "缺少 main 保护",
			Why:   "使用 spawn 和 forkserver 启动方式时,每个新进程都会从头重新导入你的程序。如果没有 `if __name__ == \"__main__\":`,启动进程的代码会在每个子进程里再执行一遍,子进程又要去创建自己的子进程;Python 会报错阻止它们,而父进程则一直等着永远不会完成的工作。",
			Fix:   "把创建进程、进程池和队列的代码放到 `if __name__ == \"__main__\":` 下面,顶层只保留 import 和函数定义。",
		},
	},
	event.PatternUnknownWait: {
		"en": {
			Title: "The processes are stuck waiting",
			Why:   "Every process that is still running waits for something (a queue, a pipe, a lock, another process), and none of the usual mistakes matches. Nothing is going to wake them.",
			Fix:   "Look at “Who waits for whom” and at the marked lines: for each waiting process, find the process that should put, send, release or set what it waits for, and why it never does. Timeouts such as `get(timeout=...)` and `join(timeout=...)` turn a hang into an error.",
		},
		"zh": {
			Title: "进程卡在等待中",
			Why:   "所有还在运行的进程都在等待某样东西(队列、管道、锁或另一个进程),而且不属于常见的错误类型。没有什么会唤醒它们。",
			Fix:   "看看“谁在等谁”图和标出的代码行:对每个等待中的进程,找出应该由哪个进程来放入、发送、释放或设置它在等的东西,以及为什么那件事一直没有发生。加上超时,例如 `get(timeout=...)` 和 `join(timeout=...)`,卡住就会变成一个错误。",
		},
	},
}

// diagnosisStrings adds the catalogue in lang to the strings of the page
// script, as diag.<pattern>.title, .why and .fix; a text missing in lang
// is given in English.
func diagnosisStrings(m map[string]string, lang string) {
	for _, p := range event.Patterns {
		t, ok := diagnosisCatalogue[p][lang]
		if !ok {
			t = diagnosisCatalogue[p][languages[0]]
		}
		m["diag."+p+".title"] = t.Title
		m["diag."+p+".why"] = t.Why
		m["diag."+p+".fix"] = t.Fix
	}
}
