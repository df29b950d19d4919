package lessons

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"mpplayground/event"
)

// Check kinds. Each is documented, with an example, in docs/lessons.md.
const (
	KindProcesses       = "processes"        // how many processes started
	KindMaxAlive        = "max_alive"        // how many were alive at once
	KindExitCode        = "exit_code"        // the main process's exit code
	KindEveryExit       = "every_exit"       // how every (matching) process ended
	KindStatus          = "status"           // run.end status
	KindDuration        = "duration"         // run.end duration_ms
	KindOutputContains  = "output_contains"  // a text appears in the output
	KindOutputLacks     = "output_lacks"     // a text does not appear
	KindOutputMatches   = "output_matches"   // a regular expression matches
	KindLines           = "lines"            // how many output lines (that match)
	KindOutputProcesses = "output_processes" // how many processes wrote output
	KindValue           = "value"            // the value printed as "key = value"
	KindOrder           = "order"            // one text comes before another
	KindTruePIDs        = "true_pids"        // printed pids are the printer's own

	// Kinds over what flows between processes (the IPC events of
	// docs/events.md).
	KindPoolTasks    = "pool_tasks"    // pool tasks done (pool.done)
	KindQueueGets    = "queue_gets"    // queue items taken (queue.get)
	KindPipeRecvs    = "pipe_recvs"    // pipe messages received (pipe.recv)
	KindLockAcquires = "lock_acquires" // locks taken (lock.acquire)
	KindSharedWrites = "shared_writes" // shared values written (shm.write)
	KindWaits        = "waits"         // blocking waits on an object (wait.begin)

	// Kinds over time.
	KindOverlap   = "overlap"    // how many spans of work were open at once
	KindLineEvent = "line_event" // a line comes before or after an event
)

// ipcKinds maps each IPC kind to the event type it counts.
var ipcKinds = map[string]string{
	KindPoolTasks:    event.TypePoolDone,
	KindQueueGets:    event.TypeQueueGet,
	KindPipeRecvs:    event.TypePipeRecv,
	KindLockAcquires: event.TypeLockAcquire,
	KindSharedWrites: event.TypeShmWrite,
	KindWaits:        event.TypeWaitBegin,
}

// anchorEvents are the event types a line_event check can refer to.
var anchorEvents = map[string]bool{
	event.TypeProcStart: true, event.TypeProcExit: true,
	event.TypeQueuePut: true, event.TypeQueueGet: true, event.TypePipeSend: true, event.TypePipeRecv: true,
	event.TypePoolSubmit: true, event.TypePoolStart: true, event.TypePoolDone: true,
	event.TypeShmWrite: true, event.TypeLockAcquire: true, event.TypeLockRelease: true,
}

// Check is one declarative test of a run, written by hand in lesson.json.
// Kind says which; the other fields are its parameters (see docs/lessons.md).
type Check struct {
	Kind string `json:"kind"`

	// Name is a regular expression on process names (processes, max_alive,
	// every_exit and the output kinds): only matching processes count.
	Name string `json:"name,omitempty"`
	// Via keeps only processes started that way (processes, max_alive).
	Via string `json:"via,omitempty"`
	// Stream keeps only "stdout" or "stderr" output (output kinds).
	Stream string `json:"stream,omitempty"`

	Text    string `json:"text,omitempty"`    // output_contains, output_lacks
	Pattern string `json:"pattern,omitempty"` // output_matches, lines, output_processes
	First   string `json:"first,omitempty"`   // order
	Then    string `json:"then,omitempty"`    // order
	Key     string `json:"key,omitempty"`     // value
	Value   string `json:"value,omitempty"`   // value: the exact text printed
	Code    *int   `json:"code,omitempty"`    // exit_code, every_exit
	Signal  string `json:"signal,omitempty"`  // every_exit
	Status  string `json:"status,omitempty"`  // status

	// Equals, Min and Max bound a number: a count, a duration in ms, or a
	// printed value.
	Equals *float64 `json:"equals,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`

	// Object is a regular expression on the id (queue-1, value-2) or the
	// name (counter, self.lock) of the IPC object (IPC kinds, line_event).
	Object string `json:"object,omitempty"`
	// Type is a regular expression on the IPC object's type (Event, Lock,
	// Value, JoinableQueue ...).
	Type string `json:"type,omitempty"`
	// Function is a regular expression on a pool task's function.
	Function string `json:"function,omitempty"`
	// Summary is a regular expression on what an IPC event carried: the
	// repr of an item, a message, a task's result, a written value.
	Summary string `json:"summary,omitempty"`
	// Count is what an IPC kind counts: "events" (the default),
	// "processes", the different processes the events happened in, or
	// "objects", the different objects they concern (by id).
	Count string `json:"count,omitempty"`
	// Of is what overlap measures: "pool_tasks" (from a worker's start of a
	// task to its end) or "lines" (in one process, from a line containing
	// First to its next line containing Then).
	Of string `json:"of,omitempty"`
	// Event and When (line_event): every line containing Text comes
	// "before" the first such event, or "after" the last one.
	Event string `json:"event,omitempty"`
	When  string `json:"when,omitempty"`

	// Describe replaces the generated description shown to the learner.
	Describe Text `json:"describe,omitempty"`
}

var (
	streams  = map[string]bool{"stdout": true, "stderr": true}
	vias     = map[string]bool{"exec": true, "fork": true, "spawn": true, "forkserver": true}
	statuses = map[string]bool{"ok": true, "error": true, "timeout": true, "limit": true, "stopped": true, "internal_error": true}
)

// fieldsOf lists, per kind, the parameters it takes beyond Kind and Describe;
// a parameter given to a kind that ignores it is an error, so that a typo in
// lesson.json is caught instead of silently checking less.
var fieldsOf = map[string][]string{
	KindProcesses:       {"name", "via", "bounds"},
	KindMaxAlive:        {"name", "via", "bounds"},
	KindExitCode:        {"code"},
	KindEveryExit:       {"name", "code", "signal"},
	KindStatus:          {"status"},
	KindDuration:        {"bounds"},
	KindOutputContains:  {"name", "stream", "text"},
	KindOutputLacks:     {"name", "stream", "text"},
	KindOutputMatches:   {"name", "stream", "pattern"},
	KindLines:           {"name", "stream", "pattern", "bounds"},
	KindOutputProcesses: {"name", "stream", "pattern", "bounds"},
	KindValue:           {"name", "stream", "key", "value", "bounds"},
	KindOrder:           {"name", "stream", "first", "then"},
	KindTruePIDs:        {"name", "stream", "pattern"},
	KindPoolTasks:       {"name", "object", "function", "summary", "count", "bounds"},
	KindQueueGets:       {"name", "object", "type", "summary", "count", "bounds"},
	KindPipeRecvs:       {"name", "object", "summary", "count", "bounds"},
	KindLockAcquires:    {"name", "object", "type", "count", "bounds"},
	KindSharedWrites:    {"name", "object", "type", "summary", "count", "bounds"},
	KindWaits:           {"name", "object", "count", "bounds"},
	KindOverlap:         {"name", "of", "function", "first", "then", "bounds"},
	KindLineEvent:       {"name", "stream", "text", "event", "when", "object", "type", "function", "summary"},
}

// Kinds returns every check kind, in the order of docs/lessons.md.
func Kinds() []string {
	return []string{KindProcesses, KindMaxAlive, KindExitCode, KindEveryExit, KindStatus,
		KindDuration, KindOutputContains, KindOutputLacks, KindOutputMatches, KindLines,
		KindOutputProcesses, KindValue, KindOrder, KindTruePIDs, KindPoolTasks, KindQueueGets,
		KindPipeRecvs, KindLockAcquires, KindSharedWrites, KindWaits, KindOverlap, KindLineEvent}
}

// Validate reports the first problem that makes c unusable.
func (c Check) Validate() error {
	allowed, ok := fieldsOf[c.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q (known: %s)", c.Kind, strings.Join(Kinds(), ", "))
	}
	has := map[string]bool{}
	for _, f := range allowed {
		has[f] = true
	}
	given := map[string]bool{
		"name": c.Name != "", "via": c.Via != "", "stream": c.Stream != "", "text": c.Text != "",
		"pattern": c.Pattern != "", "first": c.First != "", "then": c.Then != "", "key": c.Key != "",
		"value": c.Value != "", "code": c.Code != nil, "signal": c.Signal != "", "status": c.Status != "",
		"bounds": c.Equals != nil || c.Min != nil || c.Max != nil,
		"object": c.Object != "", "type": c.Type != "", "function": c.Function != "", "summary": c.Summary != "",
		"count": c.Count != "", "of": c.Of != "", "event": c.Event != "", "when": c.When != "",
	}
	for _, f := range []string{"name", "via", "stream", "text", "pattern", "first", "then", "key", "value", "code", "signal", "status", "bounds",
		"object", "type", "function", "summary", "count", "of", "event", "when"} {
		if given[f] && !has[f] {
			if f == "bounds" {
				return fmt.Errorf("%s takes no equals/min/max", c.Kind)
			}
			return fmt.Errorf("%s takes no %q", c.Kind, f)
		}
	}
	for _, re := range []struct{ field, expr string }{{"name", c.Name}, {"pattern", c.Pattern},
		{"object", c.Object}, {"type", c.Type}, {"function", c.Function}, {"summary", c.Summary}} {
		if re.expr == "" {
			continue
		}
		if _, err := regexp.Compile(re.expr); err != nil {
			return fmt.Errorf("%s is not a valid regular expression: %v", re.field, err)
		}
	}
	if c.Via != "" && !vias[c.Via] {
		return fmt.Errorf("via %q is not one of exec, fork, spawn, forkserver", c.Via)
	}
	if c.Stream != "" && !streams[c.Stream] {
		return fmt.Errorf("stream %q is not stdout or stderr", c.Stream)
	}
	if c.Equals != nil && (c.Min != nil || c.Max != nil) {
		return fmt.Errorf("give either equals or min/max, not both")
	}
	if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
		return fmt.Errorf("min %g is greater than max %g", *c.Min, *c.Max)
	}
	needBounds := func() error {
		if !given["bounds"] {
			return fmt.Errorf("%s needs equals, min or max", c.Kind)
		}
		return nil
	}
	if c.Count != "" && c.Count != "events" && c.Count != "processes" && c.Count != "objects" {
		return fmt.Errorf("count %q is not events, processes or objects", c.Count)
	}
	switch c.Kind {
	case KindProcesses, KindMaxAlive, KindDuration, KindLines, KindOutputProcesses,
		KindPoolTasks, KindQueueGets, KindPipeRecvs, KindLockAcquires, KindSharedWrites, KindWaits:
		return needBounds()
	case KindTruePIDs:
		if c.Pattern == "" {
			return fmt.Errorf("true_pids needs pattern")
		}
		re := regexp.MustCompile(c.Pattern)
		if re.SubexpIndex("pid") < 0 && re.SubexpIndex("ppid") < 0 {
			return fmt.Errorf("true_pids needs a pattern with a group (?P<pid>...) or (?P<ppid>...)")
		}
	case KindOverlap:
		switch c.Of {
		case "pool_tasks":
			if c.First != "" || c.Then != "" {
				return fmt.Errorf("overlap of pool_tasks takes no first or then")
			}
		case "lines":
			if c.First == "" || c.Then == "" {
				return fmt.Errorf("overlap of lines needs first and then")
			}
			if c.Function != "" {
				return fmt.Errorf("overlap of lines takes no function")
			}
		default:
			return fmt.Errorf("overlap needs of: pool_tasks or lines")
		}
		return needBounds()
	case KindLineEvent:
		if c.Text == "" {
			return fmt.Errorf("line_event needs text")
		}
		if !anchorEvents[c.Event] {
			names := make([]string, 0, len(anchorEvents))
			for n := range anchorEvents {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("line_event needs event, one of %s", strings.Join(names, ", "))
		}
		if c.When != "before" && c.When != "after" {
			return fmt.Errorf("line_event needs when: before or after")
		}
	case KindExitCode:
		if c.Code == nil {
			return fmt.Errorf("exit_code needs code")
		}
	case KindEveryExit:
		if (c.Code == nil) == (c.Signal == "") {
			return fmt.Errorf("every_exit needs either code or signal")
		}
		if c.Signal != "" && !strings.HasPrefix(c.Signal, "SIG") {
			return fmt.Errorf("signal %q should be a name like SIGTERM", c.Signal)
		}
	case KindStatus:
		if !statuses[c.Status] {
			return fmt.Errorf("status %q is not one of ok, error, timeout, limit, stopped, internal_error", c.Status)
		}
	case KindOutputContains, KindOutputLacks:
		if c.Text == "" {
			return fmt.Errorf("%s needs text", c.Kind)
		}
	case KindOutputMatches:
		if c.Pattern == "" {
			return fmt.Errorf("output_matches needs pattern")
		}
	case KindValue:
		if c.Key == "" {
			return fmt.Errorf("value needs key")
		}
		if (c.Value != "") == given["bounds"] {
			return fmt.Errorf("value needs either value (exact text) or equals/min/max (a number)")
		}
	case KindOrder:
		if c.First == "" || c.Then == "" {
			return fmt.Errorf("order needs first and then")
		}
	}
	return nil
}

// num formats a bound without a useless ".0".
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// plural is noun for n things: "1 line", "2 lines".
func plural(n float64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// enQty says the bounds in English with a noun: "exactly 3 processes",
// "at least 1 line", "between 2 and 4 tasks".
func (c Check) enQty(one, many string) string {
	switch {
	case c.Equals != nil:
		return "exactly " + num(*c.Equals) + " " + plural(*c.Equals, one, many)
	case c.Min != nil && c.Max != nil:
		return "between " + num(*c.Min) + " and " + num(*c.Max) + " " + many
	case c.Min != nil:
		return "at least " + num(*c.Min) + " " + plural(*c.Min, one, many)
	case c.Max != nil:
		return "at most " + num(*c.Max) + " " + plural(*c.Max, one, many)
	}
	return "any number of " + many
}

// zhQty says the bounds in Chinese around a verb, a measure word and a
// noun: "恰好启动 3 个进程", "至少有 2 行", "启动 2 到 4 个进程".
func (c Check) zhQty(verb, measure, noun string) string {
	switch {
	case c.Equals != nil:
		return "恰好" + verb + " " + num(*c.Equals) + " " + measure + noun
	case c.Min != nil && c.Max != nil:
		return verb + " " + num(*c.Min) + " 到 " + num(*c.Max) + " " + measure + noun
	case c.Min != nil:
		return "至少" + verb + " " + num(*c.Min) + " " + measure + noun
	case c.Max != nil:
		return "最多" + verb + " " + num(*c.Max) + " " + measure + noun
	}
	return verb + "任意数量的" + noun
}

// zhWant is what a detail says was wanted, in Chinese: "恰好 3 个".
func (c Check) zhWant(measure string) string { return strings.TrimSpace(c.zhQty("", measure, "")) }

// enNum and zhNum say the bounds of a number with no unit: "exactly 30",
// "at least 0.5"; "等于 30", "不小于 0.5".
func (c Check) enNum() string {
	switch {
	case c.Equals != nil:
		return "exactly " + num(*c.Equals)
	case c.Min != nil && c.Max != nil:
		return "between " + num(*c.Min) + " and " + num(*c.Max)
	case c.Min != nil:
		return "at least " + num(*c.Min)
	case c.Max != nil:
		return "at most " + num(*c.Max)
	}
	return "any number"
}

func (c Check) zhNum() string {
	switch {
	case c.Equals != nil:
		return "等于 " + num(*c.Equals)
	case c.Min != nil && c.Max != nil:
		return "介于 " + num(*c.Min) + " 和 " + num(*c.Max) + " 之间"
	case c.Min != nil:
		return "不小于 " + num(*c.Min)
	case c.Max != nil:
		return "不大于 " + num(*c.Max)
	}
	return "是任意数字"
}

// inBounds reports whether v satisfies Equals/Min/Max.
func (c Check) inBounds(v float64) bool {
	if c.Equals != nil && v != *c.Equals {
		return false
	}
	if c.Min != nil && v < *c.Min {
		return false
	}
	if c.Max != nil && v > *c.Max {
		return false
	}
	return true
}

// scope describes the Name/Via filters of processes: " named /^Worker/"
// in English, "名称匹配 /^Worker/ 的" in Chinese (put before the noun).
func (c Check) scope() Text {
	en, zh := "", ""
	if c.Name != "" {
		en += " named /" + c.Name + "/"
		zh += "名称匹配 /" + c.Name + "/ 的"
	}
	if c.Via != "" {
		en += " started by " + c.Via
		zh += "以 " + c.Via + " 方式启动的"
	}
	return Text{"en": en, "zh": zh}
}

// outScope describes which output a check looks at.
func (c Check) outScope() Text {
	en, zh := "the output", "输出"
	if c.Stream != "" {
		en, zh = c.Stream, c.Stream
	}
	if c.Name != "" {
		en += " of processes named /" + c.Name + "/"
		zh = "名称匹配 /" + c.Name + "/ 的进程的" + zh
	}
	return Text{"en": en, "zh": zh}
}

// objScope describes the Object/Type/Function/Summary filters of the IPC
// kinds: " of counter" / "counter 的".
func (c Check) objScope() Text {
	en, zh := "", ""
	if c.Type != "" {
		en += " of type /" + c.Type + "/"
		zh += "类型匹配 /" + c.Type + "/ 的"
	}
	if c.Object != "" {
		en += " of an object named /" + c.Object + "/"
		zh += "名称匹配 /" + c.Object + "/ 的对象的"
	}
	if c.Function != "" {
		en += " of a function named /" + c.Function + "/"
		zh += "函数名匹配 /" + c.Function + "/ 的"
	}
	if c.Summary != "" {
		en += " carrying /" + c.Summary + "/"
		zh += "内容匹配 /" + c.Summary + "/ 的"
	}
	return Text{"en": en, "zh": zh}
}

// ipcNouns names what each IPC kind counts, in each language: English
// singular and plural, the Chinese verb, measure word and noun.
var ipcNouns = map[string]struct{ one, many, verb, measure, noun string }{
	KindPoolTasks:    {"pool task done", "pool tasks done", "完成", "个", "进程池任务"},
	KindQueueGets:    {"queue item taken", "queue items taken", "取出", "个", "队列元素"},
	KindPipeRecvs:    {"pipe message received", "pipe messages received", "收到", "条", "管道消息"},
	KindLockAcquires: {"lock acquisition", "lock acquisitions", "获取", "次", "锁"},
	KindSharedWrites: {"shared-value write", "shared-value writes", "写入", "次", "共享值"},
	KindWaits:        {"blocking wait", "blocking waits", "阻塞等待", "次", ""},
}

// ipcObjects names the objects each IPC kind concerns, for a count of
// objects: English singular and plural, the Chinese measure word and noun.
var ipcObjects = map[string]struct{ one, many, measure, noun string }{
	KindPoolTasks:    {"pool", "pools", "个", "进程池"},
	KindQueueGets:    {"queue", "queues", "个", "队列"},
	KindPipeRecvs:    {"pipe", "pipes", "条", "管道"},
	KindLockAcquires: {"lock", "locks", "把", "锁"},
	KindSharedWrites: {"shared value", "shared values", "个", "共享值"},
	KindWaits:        {"object", "objects", "个", "对象"},
}

// eventNames names the event types a line_event refers to.
var eventNames = map[string]Text{
	event.TypeProcStart:   {"en": "a process start", "zh": "进程启动"},
	event.TypeProcExit:    {"en": "a process exit", "zh": "进程退出"},
	event.TypeQueuePut:    {"en": "a queue put", "zh": "向队列放入元素"},
	event.TypeQueueGet:    {"en": "a queue get", "zh": "从队列取出元素"},
	event.TypePipeSend:    {"en": "a pipe send", "zh": "向管道发送消息"},
	event.TypePipeRecv:    {"en": "a pipe receive", "zh": "从管道接收消息"},
	event.TypePoolSubmit:  {"en": "a pool task's submission", "zh": "提交进程池任务"},
	event.TypePoolStart:   {"en": "a pool task's start", "zh": "进程池任务开始"},
	event.TypePoolDone:    {"en": "a pool task's end", "zh": "进程池任务完成"},
	event.TypeShmWrite:    {"en": "a shared-value write", "zh": "写入共享值"},
	event.TypeLockAcquire: {"en": "a lock acquisition", "zh": "获取锁"},
	event.TypeLockRelease: {"en": "a lock release", "zh": "释放锁"},
}

// Description says in each language what the check wants to see.
func (c Check) Description() Text {
	if c.Describe[DefaultLanguage] != "" {
		return c.Describe
	}
	s, o, ob := c.scope(), c.outScope(), c.objScope()
	switch c.Kind {
	case KindProcesses:
		return Text{"en": fmt.Sprintf("%s%s start", c.enQty("process", "processes"), s["en"]),
			"zh": c.zhQty("启动", "个", s["zh"]+"进程")}
	case KindMaxAlive:
		return Text{"en": fmt.Sprintf("%s%s are alive at the same time", c.enQty("process", "processes"), s["en"]),
			"zh": c.zhQty("有", "个", s["zh"]+"进程") + "同时存活"}
	case KindExitCode:
		return Text{"en": fmt.Sprintf("the main process exits with code %d", *c.Code), "zh": fmt.Sprintf("主进程的退出码为 %d", *c.Code)}
	case KindEveryExit:
		if c.Signal != "" {
			return Text{"en": fmt.Sprintf("every process%s is ended by %s", s["en"], c.Signal), "zh": fmt.Sprintf("每个%s进程都被 %s 结束", s["zh"], c.Signal)}
		}
		return Text{"en": fmt.Sprintf("every process%s exits with code %d", s["en"], *c.Code), "zh": fmt.Sprintf("每个%s进程的退出码都是 %d", s["zh"], *c.Code)}
	case KindStatus:
		return Text{"en": fmt.Sprintf("the run ends with status %q", c.Status), "zh": fmt.Sprintf("运行以状态 %q 结束", c.Status)}
	case KindDuration:
		return Text{"en": fmt.Sprintf("the run takes %s ms", c.enNum()), "zh": "运行耗时" + c.zhQty("", "毫秒", "")}
	case KindOutputContains:
		return Text{"en": fmt.Sprintf("%s contains %q", o["en"], c.Text), "zh": fmt.Sprintf("%s中包含 %q", o["zh"], c.Text)}
	case KindOutputLacks:
		return Text{"en": fmt.Sprintf("%s does not contain %q", o["en"], c.Text), "zh": fmt.Sprintf("%s中不包含 %q", o["zh"], c.Text)}
	case KindOutputMatches:
		return Text{"en": fmt.Sprintf("%s matches /%s/", o["en"], c.Pattern), "zh": fmt.Sprintf("%s中有内容匹配 /%s/", o["zh"], c.Pattern)}
	case KindLines:
		if c.Pattern != "" {
			return Text{"en": fmt.Sprintf("%s of %s match /%s/", c.enQty("line", "lines"), o["en"], c.Pattern),
				"zh": fmt.Sprintf("%s中%s匹配 /%s/", o["zh"], c.zhQty("有", "行", ""), c.Pattern)}
		}
		return Text{"en": fmt.Sprintf("%s has %s", o["en"], c.enQty("line", "lines")), "zh": o["zh"] + c.zhQty("有", "行", "")}
	case KindOutputProcesses:
		what, whatZh := "lines", "行"
		if c.Pattern != "" {
			what, whatZh = "lines matching /"+c.Pattern+"/", "匹配 /"+c.Pattern+"/ 的行"
		}
		return Text{"en": fmt.Sprintf("%s write %s to %s", c.enQty("process", "different processes"), what, o["en"]),
			"zh": fmt.Sprintf("%s在%s中写出%s", c.zhQty("有", "个", "不同的进程"), o["zh"], whatZh)}
	case KindValue:
		if c.Value != "" {
			return Text{"en": fmt.Sprintf("the printed value of %s is %q", c.Key, c.Value), "zh": fmt.Sprintf("打印出的 %s 的值为 %q", c.Key, c.Value)}
		}
		return Text{"en": fmt.Sprintf("the printed value of %s is %s", c.Key, c.enNum()), "zh": fmt.Sprintf("打印出的 %s 的值%s", c.Key, c.zhNum())}
	case KindOrder:
		return Text{"en": fmt.Sprintf("every %q comes before the first %q in %s", c.First, c.Then, o["en"]), "zh": fmt.Sprintf("在%s中，所有 %q 都出现在第一个 %q 之前", o["zh"], c.First, c.Then)}
	case KindTruePIDs:
		return Text{"en": fmt.Sprintf("the pids printed on lines of %s matching /%s/ are those of the processes that print them", o["en"], c.Pattern),
			"zh": fmt.Sprintf("%s中匹配 /%s/ 的行所打印的 pid，正是打印它的那个进程的 pid", o["zh"], c.Pattern)}
	case KindPoolTasks, KindQueueGets, KindPipeRecvs, KindLockAcquires, KindSharedWrites, KindWaits:
		n := ipcNouns[c.Kind]
		if c.Count == "processes" {
			return Text{"en": fmt.Sprintf("%s%s make %s%s", c.enQty("process", "different processes"), s["en"], n.many, ob["en"]),
				"zh": c.zhQty("有", "个", "不同的"+s["zh"]+"进程") + n.verb + ob["zh"] + n.noun}
		}
		by, byZh := "", ""
		if c.Name != "" {
			by, byZh = " by processes"+s["en"], s["zh"]+"进程"
		}
		if c.Count == "objects" {
			on := ipcObjects[c.Kind]
			return Text{"en": fmt.Sprintf("the %s%s%s concern %s", n.many, ob["en"], by, c.enQty(on.one, "different "+on.many)),
				"zh": byZh + n.verb + "的" + ob["zh"] + n.noun + "涉及" + c.zhQty("", on.measure, "不同的"+on.noun)}
		}
		return Text{"en": fmt.Sprintf("%s%s%s", c.enQty(n.one, n.many), ob["en"], by),
			"zh": byZh + c.zhQty(n.verb, n.measure, ob["zh"]+n.noun)}
	case KindOverlap:
		if c.Of == "pool_tasks" {
			return Text{"en": fmt.Sprintf("%s%s%s run at the same time", c.enQty("pool task", "pool tasks"), ob["en"], s["en"]),
				"zh": c.zhQty("有", "个", s["zh"]+"进程中"+ob["zh"]+"进程池任务") + "同时在运行"}
		}
		return Text{"en": fmt.Sprintf("%s%s are between %q and %q at the same time", c.enQty("process", "processes"), s["en"], c.First, c.Then),
			"zh": c.zhQty("有", "个", s["zh"]+"进程") + fmt.Sprintf("同时处在 %q 与 %q 之间", c.First, c.Then)}
	case KindLineEvent:
		ev := eventNames[c.Event]
		who, whoZh := "", ""
		if c.Name != "" {
			who, whoZh = " in a process"+s["en"], s["zh"]+"进程中"
		}
		if c.When == "before" {
			return Text{"en": fmt.Sprintf("every line containing %q comes before the first %s%s%s", c.Text, strings.TrimPrefix(strings.TrimPrefix(ev["en"], "a "), "an "), ob["en"], who),
				"zh": fmt.Sprintf("所有包含 %q 的行，都出现在%s第一次%s%s之前", c.Text, whoZh, ob["zh"], ev["zh"])}
		}
		return Text{"en": fmt.Sprintf("every line containing %q comes after the last %s%s%s", c.Text, strings.TrimPrefix(strings.TrimPrefix(ev["en"], "a "), "an "), ob["en"], who),
			"zh": fmt.Sprintf("所有包含 %q 的行，都出现在%s最后一次%s%s之后", c.Text, whoZh, ob["zh"], ev["zh"])}
	}
	return Text{"en": c.Kind, "zh": c.Kind}
}
