package lessons

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
)

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
}

// Kinds returns every check kind, in the order of docs/lessons.md.
func Kinds() []string {
	return []string{KindProcesses, KindMaxAlive, KindExitCode, KindEveryExit, KindStatus,
		KindDuration, KindOutputContains, KindOutputLacks, KindOutputMatches, KindLines,
		KindOutputProcesses, KindValue, KindOrder}
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
	}
	for _, f := range []string{"name", "via", "stream", "text", "pattern", "first", "then", "key", "value", "code", "signal", "status", "bounds"} {
		if given[f] && !has[f] {
			if f == "bounds" {
				return fmt.Errorf("%s takes no equals/min/max", c.Kind)
			}
			return fmt.Errorf("%s takes no %q", c.Kind, f)
		}
	}
	for _, re := range []struct{ field, expr string }{{"name", c.Name}, {"pattern", c.Pattern}} {
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
	switch c.Kind {
	case KindProcesses, KindMaxAlive, KindDuration, KindLines, KindOutputProcesses:
		return needBounds()
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

// bounds describes Equals/Min/Max in each language, e.g. "at least 3".
func (c Check) bounds() Text {
	switch {
	case c.Equals != nil:
		return Text{"en": "exactly " + num(*c.Equals), "zh": "恰好 " + num(*c.Equals)}
	case c.Min != nil && c.Max != nil:
		return Text{"en": "between " + num(*c.Min) + " and " + num(*c.Max), "zh": num(*c.Min) + " 到 " + num(*c.Max)}
	case c.Min != nil:
		return Text{"en": "at least " + num(*c.Min), "zh": "至少 " + num(*c.Min)}
	case c.Max != nil:
		return Text{"en": "at most " + num(*c.Max), "zh": "至多 " + num(*c.Max)}
	}
	return Text{"en": "any number of", "zh": "任意数量"}
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

// scope describes the Name/Via/Stream filters, e.g. ` named /^Worker/`.
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

// Description says in each language what the check wants to see.
func (c Check) Description() Text {
	if c.Describe[DefaultLanguage] != "" {
		return c.Describe
	}
	b, s, o := c.bounds(), c.scope(), c.outScope()
	switch c.Kind {
	case KindProcesses:
		return Text{"en": fmt.Sprintf("%s processes%s start", b["en"], s["en"]), "zh": fmt.Sprintf("启动%s进程%s个", s["zh"], b["zh"])}
	case KindMaxAlive:
		return Text{"en": fmt.Sprintf("%s processes%s are alive at the same time", b["en"], s["en"]), "zh": fmt.Sprintf("同时存活的%s进程为%s个", s["zh"], b["zh"])}
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
		return Text{"en": fmt.Sprintf("the run takes %s ms", b["en"]), "zh": fmt.Sprintf("运行耗时%s毫秒", b["zh"])}
	case KindOutputContains:
		return Text{"en": fmt.Sprintf("%s contains %q", o["en"], c.Text), "zh": fmt.Sprintf("%s中包含 %q", o["zh"], c.Text)}
	case KindOutputLacks:
		return Text{"en": fmt.Sprintf("%s does not contain %q", o["en"], c.Text), "zh": fmt.Sprintf("%s中不包含 %q", o["zh"], c.Text)}
	case KindOutputMatches:
		return Text{"en": fmt.Sprintf("%s matches /%s/", o["en"], c.Pattern), "zh": fmt.Sprintf("%s匹配 /%s/", o["zh"], c.Pattern)}
	case KindLines:
		if c.Pattern != "" {
			return Text{"en": fmt.Sprintf("%s lines of %s match /%s/", b["en"], o["en"], c.Pattern), "zh": fmt.Sprintf("%s中匹配 /%s/ 的行有%s行", o["zh"], c.Pattern, b["zh"])}
		}
		return Text{"en": fmt.Sprintf("%s has %s lines", o["en"], b["en"]), "zh": fmt.Sprintf("%s共有%s行", o["zh"], b["zh"])}
	case KindOutputProcesses:
		what, whatZh := "lines", "行"
		if c.Pattern != "" {
			what, whatZh = "lines matching /"+c.Pattern+"/", "匹配 /"+c.Pattern+"/ 的行"
		}
		return Text{"en": fmt.Sprintf("%s different processes write %s to %s", b["en"], what, o["en"]), "zh": fmt.Sprintf("有%s个不同的进程向%s写出%s", b["zh"], o["zh"], whatZh)}
	case KindValue:
		want, wantZh := fmt.Sprintf("%q", c.Value), fmt.Sprintf("%q", c.Value)
		if c.Value == "" {
			want, wantZh = b["en"], b["zh"]
		}
		return Text{"en": fmt.Sprintf("the printed value of %s is %s", c.Key, want), "zh": fmt.Sprintf("打印出的 %s 的值为%s", c.Key, wantZh)}
	case KindOrder:
		return Text{"en": fmt.Sprintf("every %q comes before the first %q in %s", c.First, c.Then, o["en"]), "zh": fmt.Sprintf("在%s中，所有 %q 都出现在第一个 %q 之前", o["zh"], c.First, c.Then)}
	}
	return Text{"en": c.Kind, "zh": c.Kind}
}
