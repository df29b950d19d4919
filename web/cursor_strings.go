package web

// The strings of the time cursor (static/src/cursorview.js) and of a
// replay that follows a running run (static/src/replay.js), added to the
// interface's strings.
var cursorStrings = map[string]map[string]string{
	"en": {
		"js.cursor.label":     "Step through the run",
		"js.cursor.start":     "To the start",
		"js.cursor.prev":      "Previous event",
		"js.cursor.play":      "Play from the cursor",
		"js.cursor.pause":     "Pause",
		"js.cursor.next":      "Next event",
		"js.cursor.end":       "To the end",
		"js.cursor.speed":     "Speed of the run's real time",
		"js.cursor.slider":    "Moment of the run",
		"js.cursor.at":        "Event {i} of {n} · {t} ms · {what}",
		"js.cursor.unborn":    "not started yet",
		"js.cursor.holds":     "At the cursor: {n} items in it",
		"js.cursor.holds.one": "At the cursor: 1 item in it",
		"js.cursor.empty":     "At the cursor: empty",
		"js.cursor.heldBy":    "At the cursor: held by {pids}",
		"js.cursor.free":      "At the cursor: free",
		"js.follow.live":      "Following the run live · {s} s",
		"js.follow.lost":      "The live stream of this run is not available here; showing what is stored.",
	},
	"zh": {
		"js.cursor.label":     "逐步查看运行",
		"js.cursor.start":     "到开头",
		"js.cursor.prev":      "上一个事件",
		"js.cursor.play":      "从光标处播放",
		"js.cursor.pause":     "暂停",
		"js.cursor.next":      "下一个事件",
		"js.cursor.end":       "到结尾",
		"js.cursor.speed":     "相对运行实际时间的速度",
		"js.cursor.slider":    "运行中的时刻",
		"js.cursor.at":        "第 {i} / {n} 个事件 · {t} 毫秒 · {what}",
		"js.cursor.unborn":    "尚未启动",
		"js.cursor.holds":     "此刻：其中有 {n} 项",
		"js.cursor.holds.one": "此刻：其中有 1 项",
		"js.cursor.empty":     "此刻：空",
		"js.cursor.heldBy":    "此刻：由 {pids} 持有",
		"js.cursor.free":      "此刻：无人持有",
		"js.follow.live":      "正在实时跟随运行 · {s} 秒",
		"js.follow.lost":      "此处无法获取该运行的实时数据；显示已保存的内容。",
	},
}

func init() {
	for lang, m := range cursorStrings {
		for k, v := range m {
			uiStrings[lang][k] = v
		}
	}
}
