package lessons

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"mpplayground/event"
)

// Result is the verdict of one check on one run. Its JSON form is kept with
// the run (in a Verdict).
type Result struct {
	Check       Check `json:"-"`
	Description Text  `json:"description"` // what the check wants, in each language
	Passed      bool  `json:"passed"`
	Detail      Text  `json:"detail,omitempty"` // what was found, e.g. "found 2 processes, wanted exactly 3"
}

// Verdict is the verdict of the checks on one run of a lesson's example
// (Exercise "") or of one of its exercises, as it is kept with the run.
type Verdict struct {
	Exercise string   `json:"exercise"`
	Passed   bool     `json:"passed"` // every check passed
	Solved   bool     `json:"solved"` // an exercise, and every check passed: progress
	Results  []Result `json:"results"`
}

// NewVerdict sums up the results of the checks of exercise ("" for the
// lesson's example).
func NewVerdict(exercise string, results []Result) Verdict {
	passed := Passed(results)
	return Verdict{Exercise: exercise, Passed: passed, Solved: exercise != "" && passed, Results: results}
}

// Passed reports whether every result passed (and there is at least one).
func Passed(results []Result) bool {
	for _, r := range results {
		if !r.Passed {
			return false
		}
	}
	return len(results) > 0
}

// proc is one process of a run, as its events tell it.
type proc struct {
	pid    int
	ppid   int // -1 when unknown
	name   string
	via    string
	exited bool
	code   *int
	signal string
}

// line is one complete line of one process's stream.
type line struct {
	p      *proc
	stream string
	text   string
	pos    int // the number of the event that ended the line
}

// ipc is one IPC event, as the checks read it.
type ipc struct {
	p        *proc
	typ      string // event type: queue.get, pool.done ...
	pos      int    // the event's number in the stream
	id       string // the object's id: queue-1, pool-2, a SharedMemory's name
	name     string // what the program called it
	object   string // its type: Queue, Event, Value ...
	task     string // pool events
	function string // pool events
	summary  string
}

// run is the view of an event stream that checks work on.
type run struct {
	procs []*proc
	order []procEvent // starts and exits, in stream order
	lines []line
	ipc   []ipc
	end   *event.Event
}

type procEvent struct {
	p     *proc
	start bool
	pos   int
}

// A Judge builds, event by event as a run streams, the view of the run that
// checks read, and judges the run against its checks when it has ended. It
// keeps the processes and the lines they wrote, not the events.
type Judge struct {
	checks       []Check
	r            run
	live         map[int]*proc // pid -> the process now using it (pids are reused)
	partial      map[streamKey]*strings.Builder
	partialOrder []streamKey
	pos          int // events added so far
}

// streamKey is one stream of one process.
type streamKey struct {
	p      *proc
	stream string
}

// NewJudge judges a run against checks.
func NewJudge(checks []Check) *Judge {
	return &Judge{checks: checks, live: map[int]*proc{}, partial: map[streamKey]*strings.Builder{}}
}

// Add takes the run's next event.
func (j *Judge) Add(e event.Event) {
	r := &j.r
	j.pos++
	switch e.Type {
	case event.TypeProcStart:
		p := &proc{pid: e.PID, ppid: -1, name: e.Name, via: e.Via}
		if e.PPID != nil {
			p.ppid = *e.PPID
		}
		j.live[e.PID] = p
		r.procs = append(r.procs, p)
		r.order = append(r.order, procEvent{p, true, j.pos})
	case event.TypeOutput:
		j.output(e)
	case event.TypeProcExit:
		p, ok := j.live[e.PID]
		if !ok {
			return
		}
		p.exited, p.code, p.signal = true, e.Code, e.Signal
		r.order = append(r.order, procEvent{p, false, j.pos})
	case event.TypeRunEnd:
		end := e
		r.end = &end
	case event.TypeQueuePut, event.TypeQueueGet, event.TypePipeSend, event.TypePipeRecv,
		event.TypePoolSubmit, event.TypePoolStart, event.TypePoolDone,
		event.TypeShmWrite, event.TypeLockAcquire, event.TypeLockRelease:
		r.ipc = append(r.ipc, ipc{p: j.proc(e.PID), typ: e.Type, pos: j.pos,
			id: firstOf(e.Queue, e.Pipe, e.Pool, e.Lock, e.Shm), name: e.Name, object: e.Object,
			task: e.Task, function: e.Function, summary: firstOf(e.Summary, e.Error)})
	case event.TypeWaitBegin:
		// A wait names its object by id only (event-1, proc-12); its
		// name is found among the IPC events when the checks are judged.
		r.ipc = append(r.ipc, ipc{p: j.proc(e.PID), typ: e.Type, pos: j.pos, id: e.Object, object: e.Op})
	}
}

// proc is the process now using pid; one whose start was not reported is
// made up, so that what it did still counts.
func (j *Judge) proc(pid int) *proc {
	p, ok := j.live[pid]
	if !ok {
		p = &proc{pid: pid, ppid: -1}
		j.live[pid] = p
	}
	return p
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (j *Judge) output(e event.Event) {
	p := j.proc(e.PID) // output of a process whose start was not reported still counts
	k := streamKey{p, e.Stream}
	b, ok := j.partial[k]
	if !ok {
		b = &strings.Builder{}
		j.partial[k] = b
		j.partialOrder = append(j.partialOrder, k)
	}
	b.WriteString(e.Text)
	// Only the new text can end a line: a long line written in many small
	// pieces costs its length, not its length squared.
	if strings.IndexByte(e.Text, '\n') < 0 {
		return
	}
	s := b.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		for _, t := range strings.Split(s[:i], "\n") {
			j.r.lines = append(j.r.lines, line{p, e.Stream, strings.TrimSuffix(t, "\r"), j.pos})
		}
		b.Reset()
		b.WriteString(s[i+1:])
	}
}

// Results judges the run: one result per check, in order. A check that is
// not valid fails with the reason. Lines left unfinished count as lines.
func (j *Judge) Results() []Result {
	r := j.r
	r.lines = append([]line(nil), j.r.lines...)
	for _, k := range j.partialOrder {
		if s := j.partial[k].String(); s != "" {
			r.lines = append(r.lines, line{k.p, k.stream, s, j.pos + 1})
		}
	}
	out := make([]Result, 0, len(j.checks))
	for _, c := range j.checks {
		res := Result{Check: c, Description: c.Description()}
		if err := c.Validate(); err != nil {
			res.Detail = Text{"en": "invalid check: " + err.Error(), "zh": "检查项无效：" + err.Error()}
		} else {
			res.Passed, res.Detail = c.eval(&r)
		}
		out = append(out, res)
	}
	return out
}

// Evaluate judges the events of one whole run against checks.
func Evaluate(checks []Check, events []event.Event) []Result {
	j := NewJudge(checks)
	for _, e := range events {
		j.Add(e)
	}
	return j.Results()
}

func (c Check) nameOK(p *proc, re *regexp.Regexp) bool {
	if re != nil && !re.MatchString(p.name) {
		return false
	}
	return c.Via == "" || p.via == c.Via
}

func compileOpt(expr string) *regexp.Regexp {
	if expr == "" {
		return nil
	}
	return regexp.MustCompile(expr) // Validate has compiled it already
}

// text is the output the check looks at: the lines of the selected
// processes, each line whole even when processes wrote at the same time.
func (c Check) text(r *run) string {
	re := compileOpt(c.Name)
	var b strings.Builder
	for _, l := range r.lines {
		if c.Stream != "" && l.stream != c.Stream {
			continue
		}
		if re != nil && !re.MatchString(l.p.name) {
			continue
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// selLines are the output lines the check looks at.
func (c Check) selLines(r *run) []line {
	re, pat := compileOpt(c.Name), compileOpt(c.Pattern)
	var out []line
	for _, l := range r.lines {
		if c.Stream != "" && l.stream != c.Stream {
			continue
		}
		if re != nil && !re.MatchString(l.p.name) {
			continue
		}
		if pat != nil && !pat.MatchString(l.text) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func detail(en, zh string, args ...any) Text {
	return Text{"en": fmt.Sprintf(en, args...), "zh": fmt.Sprintf(zh, args...)}
}

// clip shortens a text quoted in a detail.
func clip(s string) string {
	const maxQuoted = 60
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}

// eval runs a valid check on the run.
func (c Check) eval(r *run) (bool, Text) {
	// count judges a number of things: one and many are the English noun,
	// measure the Chinese measure word and noun ("个", "进程").
	count := func(n int, one, many, measure, noun string) (bool, Text) {
		return c.inBounds(float64(n)), Text{
			"en": fmt.Sprintf("found %d %s, wanted %s", n, plural(float64(n), one, many), c.enNum()),
			"zh": fmt.Sprintf("找到 %d %s%s，要求%s", n, measure, noun, c.zhWant(measure))}
	}
	switch c.Kind {
	case KindProcesses:
		re, n := compileOpt(c.Name), 0
		for _, p := range r.procs {
			if c.nameOK(p, re) {
				n++
			}
		}
		return count(n, "process", "processes", "个", "进程")
	case KindMaxAlive:
		re, alive, most := compileOpt(c.Name), 0, 0
		for _, pe := range r.order {
			if !c.nameOK(pe.p, re) {
				continue
			}
			if pe.start {
				alive++
				most = max(most, alive)
			} else {
				alive--
			}
		}
		return c.inBounds(float64(most)), Text{"en": fmt.Sprintf("at most %d were alive at once, wanted %s", most, c.enNum()), "zh": fmt.Sprintf("最多时有 %d 个同时存活，要求%s", most, c.zhWant("个"))}
	case KindExitCode:
		code, ok := r.mainExit()
		if !ok {
			return false, detail("the main process's exit code is unknown (the run did not finish)", "主进程的退出码未知（运行没有结束）")
		}
		return code == *c.Code, detail("exit code %d, wanted %d", "退出码为 %d，要求 %d", code, *c.Code)
	case KindEveryExit:
		return c.everyExit(r)
	case KindStatus:
		if r.end == nil {
			return false, detail("the run did not finish", "运行没有结束")
		}
		return r.end.Status == c.Status, detail("status %q, wanted %q", "状态为 %q，要求 %q", r.end.Status, c.Status)
	case KindDuration:
		if r.end == nil || r.end.DurationMS == nil {
			return false, detail("the run did not report its duration", "运行没有报告耗时")
		}
		d := *r.end.DurationMS
		return c.inBounds(d), Text{"en": fmt.Sprintf("took %.0f ms, wanted %s ms", d, c.enNum()), "zh": fmt.Sprintf("耗时 %.0f 毫秒，要求%s", d, c.zhWant("毫秒"))}
	case KindOutputContains:
		if strings.Contains(c.text(r), c.Text) {
			return true, detail("found %q", "找到了 %q", clip(c.Text))
		}
		return false, detail("%q does not appear", "没有出现 %q", clip(c.Text))
	case KindOutputLacks:
		if n := strings.Count(c.text(r), c.Text); n > 0 {
			return false, detail("%q appears %d times", "%q 出现了 %d 次", clip(c.Text), n)
		}
		return true, detail("%q does not appear", "没有出现 %q", clip(c.Text))
	case KindOutputMatches:
		re := regexp.MustCompile("(?m)" + c.Pattern)
		if m := re.FindString(c.text(r)); m != "" || re.MatchString(c.text(r)) {
			return true, detail("matched %q", "匹配到 %q", clip(m))
		}
		return false, detail("nothing matches /%s/", "没有内容匹配 /%s/", c.Pattern)
	case KindLines:
		return count(len(c.selLines(r)), "line", "lines", "行", "")
	case KindOutputProcesses:
		seen := map[*proc]bool{}
		for _, l := range c.selLines(r) {
			seen[l.p] = true
		}
		return count(len(seen), "process", "processes", "个", "进程")
	case KindValue:
		return c.value(r)
	case KindOrder:
		return c.order(r)
	case KindTruePIDs:
		return c.truePIDs(r)
	case KindPoolTasks, KindQueueGets, KindPipeRecvs, KindLockAcquires, KindSharedWrites, KindWaits:
		evs := c.selIPC(r, ipcKinds[c.Kind])
		n := ipcNouns[c.Kind]
		switch c.Count {
		case "processes":
			seen := map[*proc]bool{}
			for _, e := range evs {
				seen[e.p] = true
			}
			return count(len(seen), "process", "processes", "个", "进程")
		case "objects":
			seen := map[string]bool{}
			for _, e := range evs {
				seen[e.id] = true
			}
			on := ipcObjects[c.Kind]
			return count(len(seen), on.one, on.many, on.measure, on.noun)
		}
		return count(len(evs), n.one, n.many, n.measure, n.noun)
	case KindOverlap:
		return c.overlap(r)
	case KindLineEvent:
		return c.lineEvent(r)
	}
	return false, detail("unknown kind %q", "未知的检查类型 %q", c.Kind)
}

// mainExit is the main program's exit code: run.end's exit_code, or else the
// code of the first process that started.
func (r *run) mainExit() (int, bool) {
	if r.end != nil && r.end.ExitCode != nil {
		return *r.end.ExitCode, true
	}
	if len(r.procs) > 0 && r.procs[0].code != nil {
		return *r.procs[0].code, true
	}
	return 0, false
}

func (c Check) everyExit(r *run) (bool, Text) {
	re := compileOpt(c.Name)
	n := 0
	for _, p := range r.procs {
		if !c.nameOK(p, re) {
			continue
		}
		n++
		ended := "was still running"
		endedZh := "仍在运行"
		switch {
		case p.signal != "":
			ended, endedZh = "was ended by "+p.signal, "被 "+p.signal+" 结束"
		case p.code != nil:
			ended, endedZh = fmt.Sprintf("exited with code %d", *p.code), fmt.Sprintf("以退出码 %d 退出", *p.code)
		case p.exited:
			ended, endedZh = "ended in an unknown way", "以未知方式结束"
		}
		if c.Signal != "" && p.signal == c.Signal {
			continue
		}
		if c.Code != nil && p.signal == "" && p.code != nil && *p.code == *c.Code {
			continue
		}
		label := p.name
		if label == "" {
			label = "pid " + strconv.Itoa(p.pid)
		}
		return false, Text{"en": fmt.Sprintf("%s (pid %d) %s", label, p.pid, ended), "zh": fmt.Sprintf("%s（pid %d）%s", label, p.pid, endedZh)}
	}
	if n == 0 {
		return false, detail("no such process ran", "没有这样的进程运行过")
	}
	if n == 1 {
		return true, detail("the one such process ended that way", "唯一的这个进程正是这样结束的")
	}
	return true, detail("all %d ended that way", "全部 %d 个进程都是这样结束的", n)
}

// value finds the last line that prints Key followed by "=" or ":" and
// compares what follows with Value or the numeric bounds.
func (c Check) value(r *run) (bool, Text) {
	re := regexp.MustCompile(`(?:^|[^\w])` + regexp.QuoteMeta(c.Key) + `\s*[:=]\s*(.*?)\s*$`)
	found, got := false, ""
	for _, l := range c.selLines(r) {
		if m := re.FindStringSubmatch(l.text); m != nil {
			found, got = true, m[1]
		}
	}
	if !found {
		return false, detail("no line prints %q", "没有一行打印 %q", c.Key+" = …")
	}
	if c.Value != "" {
		return got == c.Value, detail("%s = %s, wanted %s", "%s = %s，要求 %s", c.Key, clip(got), c.Value)
	}
	field := strings.TrimRight(strings.Fields(got + " ")[0], ",;")
	v, err := strconv.ParseFloat(field, 64)
	if err != nil {
		return false, detail("%s = %s is not a number", "%s = %s 不是数字", c.Key, clip(got))
	}
	return c.inBounds(v), Text{"en": fmt.Sprintf("%s = %s, wanted %s", c.Key, field, c.enNum()), "zh": fmt.Sprintf("%s = %s，要求%s", c.Key, field, c.zhNum())}
}

// order checks that every line containing First comes before the first
// line containing Then, and that both appear.
func (c Check) order(r *run) (bool, Text) {
	lastFirst, firstThen := -1, -1
	for i, l := range c.selLines(r) {
		if strings.Contains(l.text, c.First) {
			lastFirst = i
		}
		if firstThen < 0 && strings.Contains(l.text, c.Then) {
			firstThen = i
		}
	}
	switch {
	case lastFirst < 0:
		return false, detail("%q does not appear", "没有出现 %q", clip(c.First))
	case firstThen < 0:
		return false, detail("%q does not appear", "没有出现 %q", clip(c.Then))
	case lastFirst > firstThen:
		return false, detail("a %q comes after %q", "有 %q 出现在 %q 之后", clip(c.First), clip(c.Then))
	}
	return true, detail("in that order", "顺序正确")
}

// selIPC are the IPC events of type typ that the check's filters keep.
func (c Check) selIPC(r *run, typ string) []ipc {
	name, obj, ot := compileOpt(c.Name), compileOpt(c.Object), compileOpt(c.Type)
	fn, sum := compileOpt(c.Function), compileOpt(c.Summary)
	names := map[string]string{} // object id -> the name the program gave it
	if typ == event.TypeWaitBegin && obj != nil {
		for _, e := range r.ipc {
			if e.name != "" && e.typ != event.TypeWaitBegin {
				names[e.id] = e.name
			}
		}
	}
	var out []ipc
	for _, e := range r.ipc {
		if typ == event.TypeWaitBegin {
			e.name = names[e.id]
		}
		switch {
		case e.typ != typ,
			name != nil && !name.MatchString(e.p.name),
			obj != nil && !obj.MatchString(e.id) && !obj.MatchString(e.name),
			ot != nil && !ot.MatchString(e.object),
			fn != nil && !fn.MatchString(e.function),
			sum != nil && !sum.MatchString(e.summary):
			continue
		}
		out = append(out, e)
	}
	return out
}

// truePIDs checks that every line matching Pattern prints, in its groups
// "pid" and "ppid", the pid and the parent's pid of the process that wrote
// it, and that there is at least one such line.
func (c Check) truePIDs(r *run) (bool, Text) {
	re := regexp.MustCompile(c.Pattern)
	gp, gpp := re.SubexpIndex("pid"), re.SubexpIndex("ppid")
	n := 0
	for _, l := range c.selLines(r) {
		m := re.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		n++
		for _, g := range []struct {
			idx        int
			what, want string
			real       int
		}{{gp, "pid", "pid", l.p.pid}, {gpp, "ppid", "ppid", l.p.ppid}} {
			if g.idx < 0 || m[g.idx] == "" {
				continue
			}
			if got, err := strconv.Atoi(m[g.idx]); err != nil || got != g.real {
				who := l.p.name
				if who == "" {
					who = "a process"
				}
				return false, Text{
					"en": fmt.Sprintf("%q prints %s %s, but %s (pid %d) wrote it, whose %s is %d", clip(l.text), g.what, m[g.idx], who, l.p.pid, g.what, g.real),
					"zh": fmt.Sprintf("%q 打印的 %s 是 %s，但写出这一行的是 %s（pid %d），它的 %s 是 %d", clip(l.text), g.what, m[g.idx], who, l.p.pid, g.what, g.real)}
			}
		}
	}
	if n == 0 {
		return false, detail("no line matches /%s/", "没有一行匹配 /%s/", c.Pattern)
	}
	if n == 1 {
		return true, detail("the one such line prints its writer's own pid", "唯一的这一行打印的正是写出它的进程的 pid")
	}
	return true, detail("all %d such lines print their writer's own pids", "全部 %d 行打印的都是写出它们的进程自己的 pid", n)
}

// overlap finds the most spans of work open at the same time: pool tasks
// (from a worker's pool.start to its pool.done), or, in each process, the
// stretch from a line containing First to its next line containing Then.
func (c Check) overlap(r *run) (bool, Text) {
	type mark struct {
		pos  int
		open bool
	}
	var marks []mark
	spans := 0
	if c.Of == "pool_tasks" {
		started := map[string]int{}
		for _, e := range c.selIPC(r, event.TypePoolStart) {
			started[e.id+"/"+e.task] = e.pos
		}
		for _, e := range c.selIPC(r, event.TypePoolDone) {
			if at, ok := started[e.id+"/"+e.task]; ok {
				marks = append(marks, mark{at, true}, mark{e.pos, false})
				spans++
			}
		}
	} else {
		open := map[*proc]int{}
		for _, l := range c.selLines(r) {
			if at, ok := open[l.p]; ok && strings.Contains(l.text, c.Then) {
				marks = append(marks, mark{at, true}, mark{l.pos, false})
				delete(open, l.p)
				spans++
				continue
			}
			if _, ok := open[l.p]; !ok && strings.Contains(l.text, c.First) {
				open[l.p] = l.pos
			}
		}
	}
	// Ends sort before starts at the same position: a span that closes
	// with the event that opens another does not overlap it.
	sort.Slice(marks, func(a, b int) bool {
		if marks[a].pos != marks[b].pos {
			return marks[a].pos < marks[b].pos
		}
		return !marks[a].open && marks[b].open
	})
	now, most := 0, 0
	for _, m := range marks {
		if m.open {
			now++
			most = max(most, now)
		} else {
			now--
		}
	}
	return c.inBounds(float64(most)), Text{
		"en": fmt.Sprintf("of %d %s, at most %d ran at the same time, wanted %s", spans, plural(float64(spans), "span", "spans"), most, c.enNum()),
		"zh": fmt.Sprintf("共 %d 段，最多时有 %d 段同时进行，要求%s", spans, most, c.zhWant("段"))}
}

// lineEvent checks that every line containing Text comes before the first
// matching event (When "before") or after the last one ("after"), and that
// both a line and an event are there.
func (c Check) lineEvent(r *run) (bool, Text) {
	var positions []int
	name := compileOpt(c.Name)
	if c.Event == event.TypeProcStart || c.Event == event.TypeProcExit {
		for _, pe := range r.order {
			if pe.start == (c.Event == event.TypeProcStart) && (name == nil || name.MatchString(pe.p.name)) {
				positions = append(positions, pe.pos)
			}
		}
	} else {
		for _, e := range c.selIPC(r, c.Event) {
			positions = append(positions, e.pos)
		}
	}
	ev := eventNames[c.Event]
	if len(positions) == 0 {
		return false, Text{"en": "no " + strings.TrimPrefix(ev["en"], "a ") + " of that kind happened", "zh": "没有发生这样的" + ev["zh"]}
	}
	var lines []line
	for _, l := range r.lines {
		if (c.Stream == "" || l.stream == c.Stream) && strings.Contains(l.text, c.Text) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return false, detail("%q does not appear", "没有出现 %q", clip(c.Text))
	}
	first, last := positions[0], positions[len(positions)-1]
	for _, l := range lines {
		if c.When == "before" && l.pos > first {
			return false, Text{"en": fmt.Sprintf("%q comes after the first %s", clip(l.text), strings.TrimPrefix(ev["en"], "a ")),
				"zh": fmt.Sprintf("%q 出现在第一次%s之后", clip(l.text), ev["zh"])}
		}
		if c.When == "after" && l.pos < last {
			return false, Text{"en": fmt.Sprintf("%q comes before the last %s", clip(l.text), strings.TrimPrefix(ev["en"], "a ")),
				"zh": fmt.Sprintf("%q 出现在最后一次%s之前", clip(l.text), ev["zh"])}
		}
	}
	return true, detail("in that order", "顺序正确")
}
