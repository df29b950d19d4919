package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"mpplayground/lessons"
)

// Languages the interface is written in, those of the lessons; the first
// is the default. A test holds the interface's strings to it.
var languages = lessons.Languages

// langCookie remembers the learner's choice of language.
const (
	langCookie    = "pg_lang"
	langCookieAge = 365 * 24 * time.Hour
)

type langKey struct{}

// withLang chooses the page's language: ?lang= (remembered in a cookie),
// else the cookie, else the first supported Accept-Language, else English.
func withLang(w http.ResponseWriter, r *http.Request) *http.Request {
	lang := ""
	if q := r.URL.Query().Get("lang"); supported(q) {
		lang = q
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/",
			MaxAge: int(langCookieAge.Seconds()), SameSite: http.SameSiteLaxMode, HttpOnly: true})
	} else if c, err := r.Cookie(langCookie); err == nil && supported(c.Value) {
		lang = c.Value
	} else {
		lang = fromAcceptLanguage(r.Header.Get("Accept-Language"))
	}
	return r.WithContext(context.WithValue(r.Context(), langKey{}, lang))
}

func supported(lang string) bool {
	for _, l := range languages {
		if l == lang {
			return true
		}
	}
	return false
}

// fromAcceptLanguage picks the first supported language in header order
// (quality values are rarely out of order in practice and are ignored).
func fromAcceptLanguage(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if supported(base) {
			return base
		}
	}
	return languages[0]
}

// Lang returns the language chosen for the request.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return languages[0]
}

// T translates an interface string into the request's language.
func T(ctx context.Context, key string) string {
	return translate(Lang(ctx), key)
}

// Tf translates a string with one {n} placeholder.
func Tf(ctx context.Context, key, n string) string {
	return strings.ReplaceAll(T(ctx, key), "{n}", n)
}

func translate(lang, key string) string {
	if s, ok := uiStrings[lang][key]; ok {
		return s
	}
	if s, ok := uiStrings["en"][key]; ok {
		return s
	}
	return key
}

// clientStrings are the strings the browser script needs, in lang.
func clientStrings(lang string) map[string]string {
	m := make(map[string]string, len(uiStrings["en"]))
	for k := range uiStrings["en"] {
		if strings.HasPrefix(k, "js.") {
			m[strings.TrimPrefix(k, "js.")] = translate(lang, k)
		}
	}
	diagnosisStrings(m, lang)
	return m
}

// uiStrings holds every string of the interface. Keys starting "js." are
// sent to the browser script.
var uiStrings = map[string]map[string]string{
	"en": {
		"site.name":                "Multiprocessing Playground",
		"site.tagline":             "Learn Python multiprocessing by watching the processes.",
		"nav.lessons":              "Lessons",
		"nav.lang":                 "Language",
		"nav.main":                 "Main",
		"nav.skip":                 "Skip to the content",
		"index.title":              "Lessons",
		"index.intro":              "Each lesson has a short explanation and a program you can edit and run. While it runs you see every process start and end, and which process printed what.",
		"index.start":              "Start",
		"index.empty":              "No lessons are installed.",
		"progress.run":             "run",
		"progress.passed":          "passed",
		"lesson.number":            "Lesson {n}",
		"lesson.prev":              "Previous",
		"lesson.next":              "Next",
		"lesson.editor":            "Program",
		"lesson.run":               "Run",
		"lesson.stop":              "Stop",
		"lesson.reset":             "Reset",
		"lesson.shortcut":          "Ctrl+Enter runs · Esc then Tab leaves the editor",
		"lesson.tree":              "Processes",
		"lesson.timeline":          "Timeline",
		"lesson.output":            "Output",
		"lesson.filter":            "Show",
		"lesson.all":               "All processes",
		"lesson.stdin":             "Input to the program",
		"lesson.send":              "Send",
		"lesson.eof":               "End input",
		"lesson.checks":            "Checks",
		"lesson.history":           "Your runs",
		"notfound.title":           "Page not found",
		"notfound.text":            "There is no page at this address.",
		"notfound.back":            "Back to the lessons",
		"js.idle":                  "Ready. Press Run to start the program.",
		"js.connecting":            "Connecting…",
		"js.reconnecting":          "Connection lost. Reconnecting…",
		"js.offline":               "Offline",
		"js.online":                "Connected",
		"js.queued":                "Waiting for a free slot: place {n} in the queue",
		"js.starting":              "Starting…",
		"js.stopping":              "Stopping…",
		"js.running":               "Running · {s} s",
		"js.status.ok":             "Finished in {ms} ms",
		"js.status.error":          "Ended with an error (exit code {code}) after {ms} ms",
		"js.status.timeout":        "Stopped: the time limit was reached after {ms} ms",
		"js.status.limit":          "Stopped by a limit after {ms} ms",
		"js.status.stopped":        "Stopped after {ms} ms",
		"js.status.internal_error": "The run could not be completed: {msg}",
		"js.lost":                  "The connection dropped during the run; it was stopped.",
		"js.noOutput":              "No output yet.",
		"js.noProcs":               "Processes appear here when the program runs.",
		"js.exit":                  "exit {code}",
		"js.killed":                "killed by {sig}",
		"js.runningState":          "running",
		"js.helper":                "Python's helper",
		"js.waiting":               "waiting: {op} {obj}",
		"js.childrenFailed":        "{n} child processes failed",
		"js.childrenFailed.one":    "a child process failed",
		"js.helper.tracker":        "Python's resource tracker: it removes the shared memory and semaphores that processes leave behind",
		"js.helper.forkserver":     "Python's fork server: with the forkserver start method, it forks every new process",
		"js.stdinHint":             "Type a line and press Enter; Ctrl+D ends the input.",
		"js.ms":                    "ms",
		"js.cut":                   "Older lines are hidden to keep the page fast.",
		"js.error":                 "Error",
		"exercise.heading":         "Exercises",
		"exercise.start":           "Work on this exercise",
		"exercise.back":            "Back to the example",
		"checks.passed":            "passed",
		"checks.failed":            "failed",
		"checks.allPassed":         "all checks passed",
		"checks.someFailed":        "not all checks passed",
		"history.empty":            "Your runs of this lesson will be listed here.",
		"history.example":          "Example",
		"history.open":             "Open",
		"history.replay":           "Replay",
		"history.restore":          "Restore code",
		"runstatus.ok":             "ok",
		"runstatus.error":          "error",
		"runstatus.timeout":        "timed out",
		"runstatus.limit":          "limit hit",
		"runstatus.stopped":        "stopped",
		"runstatus.internal_error": "not run",
		"runstatus.running":        "running",
		"runstatus.interrupted":    "interrupted",
		"run.title":                "Run of {n}",
		"run.heading":              "A stored run",
		"run.status":               "Status",
		"run.started":              "Started",
		"run.duration":             "Duration",
		"run.exit":                 "Exit code",
		"run.by":                   "By",
		"run.interrupted":          "The server stopped while this program was running; the events up to that moment are shown.",
		"run.outputCut":            "The program printed more than the output limit; the rest was not kept.",
		"run.play":                 "Replay at real speed",
		"run.showAll":              "Show all at once",
		"run.copyLink":             "Copy link",
		"run.openInEditor":         "Open in editor",
		"js.fromRun":               "The program of a stored run is in the editor.",
		"nickname.label":           "Your nickname",
		"nickname.placeholder":     "e.g. Ada",
		"nickname.save":            "Save",
		"nickname.hint":            "Shown on runs you share. No account needed.",
		"teacher.title":            "Class runs",
		"teacher.intro":            "The newest runs of every learner, newest first, updated every few seconds. Open a run to replay it.",
		"teacher.live":             "Live",
		"teacher.offline":          "Not updating: the server does not answer",
		"teacher.time":             "Time",
		"teacher.learner":          "Learner",
		"teacher.lesson":           "Lesson",
		"teacher.result":           "Checks",
		"teacher.status":           "Status",
		"teacher.open":             "Open",
		"teacher.anonymous":        "anonymous",
		"teacher.empty":            "No runs yet. They appear here as soon as learners press Run.",
		"teacher.notKept":          "Runs are not kept on this server, so there is nothing to list.",
		"teacher.login":            "Teacher sign-in",
		"teacher.needToken":        "This page is for the teacher. Enter the token the server was started with.",
		"teacher.token":            "Teacher token",
		"teacher.signin":           "Sign in",
		"teacher.signout":          "Sign out",
		"teacher.wrong":            "That token is not right.",
		"teacher.off":              "The teacher view is off. Start the server with --teacher-token (or PLAYGROUND_TEACHER_TOKEN) to turn it on.",
		"js.target.example":        "Running the lesson's example",
		"js.target.exercise":       "Exercise: {title}",
		"js.checks.allPassed":      "All {n} checks passed",
		"js.checks.someFailed":     "{passed} of {n} checks passed",
		"js.checks.passed":         "passed",
		"js.checks.failed":         "failed",
		"js.checks.example":        "Checks of the example",
		"js.checks.exercise":       "Checks: {title}",
		"js.checks.exampleOther":   "Checks of the example (your program is not the example)",
		"js.checks.neutral":        "{passed} of {n} of the example's checks hold",
		"js.checks.notHere":        "does not hold here",
		"js.restored":              "The code of that run is in the editor.",
		"js.loading":               "Loading the run…",
		"js.loadFailed":            "The run could not be loaded.",
		"js.replaying":             "Replaying · {s} s",
		"js.copied":                "Link copied",
		"js.copyFailed":            "Copy this address: {url}",
		"lesson.ipc":               "Show what flows between processes",
		"lesson.ipcHint":           "Queue items, pipe messages, pool tasks, locks and shared values. Switch it off to run the program without watching them.",
		"ipc.heading":              "Between processes",
		"timeline.range":           "Time shown",
		"timeline.all":             "Whole run",
		"timeline.ipc":             "Where things flow",
		"legend.message":           "queue item: put → get",
		"legend.pipe":              "pipe message: send → recv",
		"legend.task":              "pool task (▾ submitted)",
		"legend.failed":            "failed task",
		"legend.wait":              "waiting for a lock",
		"legend.hold":              "holding a lock",
		"legend.write":             "shared value written",
		"legend.keys":              "Point at an item, or Tab into the timeline and step with ← →, for its details.",
		"js.ipc.summary":           "{m} messages, {k} pool tasks, {s} lock spans, {w} writes",
		"js.ipc.put":               "put by {pid} at {t} ms",
		"js.ipc.got":               "taken by {pid} at {t} ms",
		"js.ipc.inQueue":           "still in the queue",
		"js.ipc.sent":              "sent by {pid} at {t} ms",
		"js.ipc.received":          "received by {pid} at {t} ms",
		"js.ipc.inPipe":            "not received",
		"js.ipc.unseen":            "not seen taken: later IPC events were not reported",
		"js.ipc.waited":            "the taker waited {ms} ms",
		"js.ipc.bytes":             "{n} bytes",
		"js.ipc.task":              "{task}: {fn}() in {pool}",
		"js.ipc.submitted":         "submitted by {pid} at {t} ms",
		"js.ipc.ran":               "ran on {pid} from {t0} to {t1} ms",
		"js.ipc.runningOn":         "running on {pid} since {t0} ms",
		"js.ipc.result":            "returned {v}",
		"js.ipc.raised":            "raised {v}",
		"js.ipc.lockWait":          "{pid} waited {ms} ms for it, from {t} ms",
		"js.ipc.held":              "held by {pid} from {t0} to {t1} ms ({ms} ms)",
		"js.ipc.holding":           "held by {pid} since {t0} ms",
		"js.ipc.wrote":             "written by {pid} at {t} ms",
		"js.ipc.objects":           "{n} objects · {e} events",
		"js.ipc.messages":          "{n} messages",
		"js.ipc.objects.one":       "1 object · {e} events",
		"js.ipc.messages.one":      "1 message",
		"js.ipc.tasks.one":         "1 task",
		"js.ipc.writes.one":        "1 write",
		"js.ipc.left":              "{n} left in the queue",
		"js.ipc.leftPipe":          "{n} not received",
		"js.ipc.maxWait":           "longest wait {ms} ms",
		"js.ipc.tasks":             "{n} tasks",
		"js.ipc.failed":            "{n} failed",
		"js.ipc.heldTimes":         "taken {n}×",
		"js.ipc.totalWait":         "waited {ms} ms in all",
		"js.ipc.writes":            "{n} writes",
		"js.ipc.messagesAtLeast":   "at least {n} messages",
		"js.ipc.tasksAtLeast":      "at least {n} tasks",
		"js.ipc.heldTimesAtLeast":  "taken at least {n}×",
		"js.ipc.writesAtLeast":     "at least {n} writes",
		"js.ipc.earlier":           "{n} earlier",
		"js.ipc.history":           "Values of {id}, oldest first",
		"js.ipc.pick":              "Pick out {id} in the timeline",
		"js.ipc.capped":            "{total} IPC events: the first {n} messages, tasks, lock spans and writes are drawn one by one; the bands show all of them.",
		"js.ipc.truncated":         "The run reported its first {n} IPC events; what came after is not shown.",
		"js.ipc.cutObjects":        "{n} objects had more events than are shown: their figures say “at least”.",
		"js.ipc.cutObjects.one":    "1 object had more events than are shown: its figures say “at least”.",
		"waits.heading":            "Who waits for whom",
		"waits.hint":               "Each arrow means “waits for”: a process waits for an object, and the object for the processes that can put, send, release or end it. Arrows that go round in a loop are a deadlock.",
		"js.wg.aria":               "{n} processes waiting",
		"js.wg.atEnd":              "When the run ended:",
		"js.wg.cycle":              "Deadlock: {path}. Each waits for the next, so none of them can go on.",
		"js.wg.exited":             "exited",
		"js.wg.waitingState":       "waiting",
		"js.wg.empty":              "No process is waiting right now.",
		"js.wg.emptyEnd":           "Every wait ended: no process was left waiting.",
		"js.wg.procEnd":            "{pid} to end",
		"js.wg.none.queue":         "nothing put in yet",
		"js.wg.none.pipe":          "nothing sent yet",
		"js.wg.none.queueTake":     "no one takes out",
		"js.wg.none.pipeRecv":      "no one receives",
		"js.wg.none.lock":          "no holder known",
		"js.wg.none.pool":          "no worker left",
		"js.wg.none.other":         "no one else uses it",
		"js.wg.none.gone":          "no one left to wake it",
		"js.wg.role.holds":         "holds it",
		"js.wg.role.put":           "puts in",
		"js.wg.role.takes":         "takes out",
		"js.wg.role.sent":          "sends",
		"js.wg.role.runs":          "must end",
		"js.wg.role.worker":        "worker",
		"js.wg.role.uses":          "uses it",
		"js.wg.waits":              "{pid} waits: {op} {obj}",
		"js.wg.wakes":              "{obj} waits for {pid} ({role})",
		"diag.heading":             "Why is it stuck?",
		"js.diag.fix":              "How to fix it",
		"js.diag.details":          "What the playground saw",
		"js.diag.where":            "Where they wait",
		"js.diag.place":            "{pid} waits at line {line}, in {fn}",
		"js.diag.note":             "{pids} waits here · {title}",
		"js.diag.noteMany":         "{pids} wait here · {title}",
		"js.status.deadlock":       "Stopped after {ms} ms: the processes were waiting for each other (a deadlock)",
	},
	"zh": {
		"site.name":                "多进程练习场",
		"site.tagline":             "看着进程运行,学习 Python 多进程。",
		"nav.lessons":              "课程",
		"nav.lang":                 "语言",
		"nav.main":                 "主导航",
		"nav.skip":                 "跳到正文",
		"index.title":              "课程",
		"index.intro":              "每一课都有简短的讲解和一个可以编辑、运行的程序。运行时可以看到每个进程的启动和结束,以及每行输出来自哪个进程。",
		"index.start":              "开始",
		"index.empty":              "还没有安装课程。",
		"progress.run":             "已运行",
		"progress.passed":          "已通过",
		"lesson.number":            "第 {n} 课",
		"lesson.prev":              "上一课",
		"lesson.next":              "下一课",
		"lesson.editor":            "程序",
		"lesson.run":               "运行",
		"lesson.stop":              "停止",
		"lesson.reset":             "重置",
		"lesson.shortcut":          "Ctrl+Enter 运行 · 先按 Esc 再按 Tab 离开编辑器",
		"lesson.tree":              "进程",
		"lesson.timeline":          "时间线",
		"lesson.output":            "输出",
		"lesson.filter":            "显示",
		"lesson.all":               "全部进程",
		"lesson.stdin":             "程序的输入",
		"lesson.send":              "发送",
		"lesson.eof":               "结束输入",
		"lesson.checks":            "检查",
		"lesson.history":           "你的运行记录",
		"notfound.title":           "页面不存在",
		"notfound.text":            "这个地址没有页面。",
		"notfound.back":            "返回课程列表",
		"js.idle":                  "准备就绪。按“运行”启动程序。",
		"js.connecting":            "正在连接…",
		"js.reconnecting":          "连接已断开,正在重新连接…",
		"js.offline":               "离线",
		"js.online":                "已连接",
		"js.queued":                "等待空闲位置:排在第 {n} 位",
		"js.starting":              "正在启动…",
		"js.stopping":              "正在停止…",
		"js.running":               "运行中 · {s} 秒",
		"js.status.ok":             "完成,用时 {ms} 毫秒",
		"js.status.error":          "出错结束(退出码 {code}),用时 {ms} 毫秒",
		"js.status.timeout":        "已停止:{ms} 毫秒后达到时间限制",
		"js.status.limit":          "已停止:{ms} 毫秒后触及限制",
		"js.status.stopped":        "已停止,用时 {ms} 毫秒",
		"js.status.internal_error": "运行未能完成:{msg}",
		"js.lost":                  "运行期间连接断开,程序已停止。",
		"js.noOutput":              "还没有输出。",
		"js.noProcs":               "程序运行时,进程会显示在这里。",
		"js.exit":                  "退出 {code}",
		"js.killed":                "被 {sig} 终止",
		"js.runningState":          "运行中",
		"js.helper":                "Python 的辅助进程",
		"js.waiting":               "等待中:{op} {obj}",
		"js.childrenFailed":        "{n} 个子进程失败",
		"js.childrenFailed.one":    "1 个子进程失败",
		"js.helper.tracker":        "Python 的资源跟踪进程:清理进程遗留的共享内存和信号量",
		"js.helper.forkserver":     "Python 的 fork 服务器进程:使用 forkserver 启动方式时,由它 fork 出每个新进程",
		"js.stdinHint":             "输入一行后按 Enter;Ctrl+D 结束输入。",
		"js.ms":                    "毫秒",
		"js.cut":                   "较早的输出已隐藏,以保持页面流畅。",
		"js.error":                 "错误",
		"exercise.heading":         "练习",
		"exercise.start":           "做这个练习",
		"exercise.back":            "回到示例",
		"checks.passed":            "通过",
		"checks.failed":            "未通过",
		"checks.allPassed":         "全部检查通过",
		"checks.someFailed":        "有检查未通过",
		"history.empty":            "你在本课的运行记录会列在这里。",
		"history.example":          "示例",
		"history.open":             "查看",
		"history.replay":           "回放",
		"history.restore":          "恢复代码",
		"runstatus.ok":             "成功",
		"runstatus.error":          "出错",
		"runstatus.timeout":        "超时",
		"runstatus.limit":          "触及限制",
		"runstatus.stopped":        "已停止",
		"runstatus.internal_error": "未能运行",
		"runstatus.running":        "运行中",
		"runstatus.interrupted":    "被中断",
		"run.title":                "{n} 的一次运行",
		"run.heading":              "保存的运行",
		"run.status":               "状态",
		"run.started":              "开始时间",
		"run.duration":             "用时",
		"run.exit":                 "退出码",
		"run.by":                   "运行者",
		"run.interrupted":          "程序运行时服务器停止了;这里显示到那一刻为止的事件。",
		"run.outputCut":            "程序的输出超过了上限;其余部分没有保存。",
		"run.play":                 "按实际速度回放",
		"run.showAll":              "一次全部显示",
		"run.copyLink":             "复制链接",
		"run.openInEditor":         "在编辑器中打开",
		"js.fromRun":               "编辑器中是一次已保存运行的程序。",
		"nickname.label":           "你的昵称",
		"nickname.placeholder":     "例如:小明",
		"nickname.save":            "保存",
		"nickname.hint":            "显示在你分享的运行记录上。无需注册。",
		"teacher.title":            "全班的运行记录",
		"teacher.intro":            "每位学习者最新的运行,最新的在前,每隔几秒自动更新。打开一次运行即可回放。",
		"teacher.live":             "实时更新中",
		"teacher.offline":          "暂停更新:服务器没有响应",
		"teacher.time":             "时间",
		"teacher.learner":          "学习者",
		"teacher.lesson":           "课程",
		"teacher.result":           "检查",
		"teacher.status":           "状态",
		"teacher.open":             "查看",
		"teacher.anonymous":        "匿名",
		"teacher.empty":            "还没有运行记录。学习者一按“运行”,记录就会出现在这里。",
		"teacher.notKept":          "这台服务器不保存运行记录,因此没有可列出的内容。",
		"teacher.login":            "教师登录",
		"teacher.needToken":        "这个页面供教师使用。请输入启动服务器时设置的口令。",
		"teacher.token":            "教师口令",
		"teacher.signin":           "登录",
		"teacher.signout":          "退出登录",
		"teacher.wrong":            "口令不正确。",
		"teacher.off":              "教师视图未开启。启动服务器时加上 --teacher-token(或设置 PLAYGROUND_TEACHER_TOKEN)即可开启。",
		"js.target.example":        "正在运行本课的示例",
		"js.target.exercise":       "练习:{title}",
		"js.checks.allPassed":      "全部 {n} 项检查通过",
		"js.checks.someFailed":     "{n} 项检查中通过 {passed} 项",
		"js.checks.passed":         "通过",
		"js.checks.failed":         "未通过",
		"js.checks.example":        "示例的检查",
		"js.checks.exercise":       "检查:{title}",
		"js.checks.exampleOther":   "示例的检查(你的程序已不是示例)",
		"js.checks.neutral":        "示例的 {n} 项检查中有 {passed} 项成立",
		"js.checks.notHere":        "此处不成立",
		"js.restored":              "那次运行的代码已放入编辑器。",
		"js.loading":               "正在载入运行记录…",
		"js.loadFailed":            "无法载入这次运行。",
		"js.replaying":             "回放中 · {s} 秒",
		"js.copied":                "链接已复制",
		"js.copyFailed":            "请复制这个地址:{url}",
		"lesson.ipc":               "显示进程之间传递的内容",
		"lesson.ipcHint":           "队列中的数据、管道消息、进程池任务、锁和共享值。关闭后运行程序时不再跟踪它们。",
		"ipc.heading":              "进程之间",
		"timeline.range":           "显示的时间段",
		"timeline.all":             "整个运行",
		"timeline.ipc":             "传递发生处",
		"legend.message":           "队列数据:put → get",
		"legend.pipe":              "管道消息:send → recv",
		"legend.task":              "进程池任务(▾ 提交)",
		"legend.failed":            "失败的任务",
		"legend.wait":              "等待锁",
		"legend.hold":              "持有锁",
		"legend.write":             "写入共享值",
		"legend.keys":              "指向某一项,或用 Tab 进入时间线后按 ← → 逐项查看详情。",
		"js.ipc.summary":           "{m} 条消息,{k} 个进程池任务,{s} 段持锁,{w} 次写入",
		"js.ipc.put":               "{pid} 在 {t} 毫秒放入",
		"js.ipc.got":               "{pid} 在 {t} 毫秒取出",
		"js.ipc.inQueue":           "仍在队列中",
		"js.ipc.sent":              "{pid} 在 {t} 毫秒发送",
		"js.ipc.received":          "{pid} 在 {t} 毫秒接收",
		"js.ipc.inPipe":            "尚未被接收",
		"js.ipc.unseen":            "未见被取出:之后的 IPC 事件没有报告",
		"js.ipc.waited":            "取出方等待了 {ms} 毫秒",
		"js.ipc.bytes":             "{n} 字节",
		"js.ipc.task":              "{task}:{pool} 中的 {fn}()",
		"js.ipc.submitted":         "{pid} 在 {t} 毫秒提交",
		"js.ipc.ran":               "在 {pid} 上从 {t0} 运行到 {t1} 毫秒",
		"js.ipc.runningOn":         "自 {t0} 毫秒起在 {pid} 上运行",
		"js.ipc.result":            "返回 {v}",
		"js.ipc.raised":            "抛出 {v}",
		"js.ipc.lockWait":          "{pid} 从 {t} 毫秒起等待了 {ms} 毫秒",
		"js.ipc.held":              "{pid} 从 {t0} 到 {t1} 毫秒持有({ms} 毫秒)",
		"js.ipc.holding":           "{pid} 自 {t0} 毫秒起持有",
		"js.ipc.wrote":             "{pid} 在 {t} 毫秒写入",
		"js.ipc.objects":           "{n} 个对象 · {e} 个事件",
		"js.ipc.messages":          "{n} 条消息",
		"js.ipc.objects.one":       "1 个对象 · {e} 个事件",
		"js.ipc.messages.one":      "1 条消息",
		"js.ipc.tasks.one":         "1 个任务",
		"js.ipc.writes.one":        "1 次写入",
		"js.ipc.left":              "队列中还剩 {n} 条",
		"js.ipc.leftPipe":          "{n} 条未被接收",
		"js.ipc.maxWait":           "最长等待 {ms} 毫秒",
		"js.ipc.tasks":             "{n} 个任务",
		"js.ipc.failed":            "{n} 个失败",
		"js.ipc.heldTimes":         "获取 {n} 次",
		"js.ipc.totalWait":         "共等待 {ms} 毫秒",
		"js.ipc.writes":            "{n} 次写入",
		"js.ipc.messagesAtLeast":   "至少 {n} 条消息",
		"js.ipc.tasksAtLeast":      "至少 {n} 个任务",
		"js.ipc.heldTimesAtLeast":  "至少获取 {n} 次",
		"js.ipc.writesAtLeast":     "至少 {n} 次写入",
		"js.ipc.earlier":           "更早的 {n} 个",
		"js.ipc.history":           "{id} 的取值,从早到晚",
		"js.ipc.pick":              "在时间线中突出显示 {id}",
		"js.ipc.capped":            "共 {total} 个 IPC 事件:前 {n} 条消息、任务、持锁和写入逐一绘出,色带显示全部。",
		"js.ipc.truncated":         "这次运行只报告了前 {n} 个 IPC 事件,之后的没有显示。",
		"js.ipc.cutObjects":        "{n} 个对象的事件多于显示的数量:它们的数字写作“至少”。",
		"js.ipc.cutObjects.one":    "1 个对象的事件多于显示的数量:它的数字写作“至少”。",
		"waits.heading":            "谁在等谁",
		"waits.hint":               "每个箭头都表示“在等”:进程在等一个对象,对象在等能放入、发送、释放它或让它结束的进程。箭头绕成一个环,就是死锁。",
		"js.wg.aria":               "{n} 个进程在等待",
		"js.wg.atEnd":              "运行结束时:",
		"js.wg.cycle":              "死锁:{path}。每个进程都在等下一个,谁也无法继续。",
		"js.wg.exited":             "已退出",
		"js.wg.waitingState":       "等待中",
		"js.wg.empty":              "此刻没有进程在等待。",
		"js.wg.emptyEnd":           "所有等待都已结束:没有进程还在等。",
		"js.wg.procEnd":            "等 {pid} 结束",
		"js.wg.none.queue":         "还没有进程放入",
		"js.wg.none.pipe":          "还没有进程发送",
		"js.wg.none.queueTake":     "没有进程取出",
		"js.wg.none.pipeRecv":      "没有进程接收",
		"js.wg.none.lock":          "不知道由谁持有",
		"js.wg.none.pool":          "没有工作进程了",
		"js.wg.none.other":         "没有其他进程使用它",
		"js.wg.none.gone":          "已经没有进程能唤醒它",
		"js.wg.role.holds":         "持有它",
		"js.wg.role.put":           "放入",
		"js.wg.role.takes":         "取出",
		"js.wg.role.sent":          "发送",
		"js.wg.role.runs":          "需结束",
		"js.wg.role.worker":        "工作进程",
		"js.wg.role.uses":          "使用它",
		"js.wg.waits":              "{pid} 在等:{op} {obj}",
		"js.wg.wakes":              "{obj} 在等 {pid}({role})",
		"diag.heading":             "为什么卡住了?",
		"js.diag.fix":              "怎么改",
		"js.diag.details":          "练习场观察到的情况",
		"js.diag.where":            "它们在哪里等待",
		"js.diag.place":            "{pid} 在 {fn} 的第 {line} 行等待",
		"js.diag.note":             "{pids} 在这里等待 · {title}",
		"js.diag.noteMany":         "{pids} 在这里等待 · {title}",
		"js.status.deadlock":       "已停止:{ms} 毫秒后发现进程在互相等待(死锁)",
	},
}

// languageName is how a language names itself in the switch.
func languageName(lang string) string {
	switch lang {
	case "zh":
		return "中文"
	default:
		return "English"
	}
}

// langTag is the BCP 47 tag of the request's language for <html lang>.
func langTag(ctx context.Context) string {
	if Lang(ctx) == "zh" {
		return "zh-Hans"
	}
	return Lang(ctx)
}
