// 巡指 report editor: each paragraph is plain-text contenteditable; figures are locked marks
// (<span class="xz-fig" contenteditable="false" data-key="F07">). A paragraph is saved when the
// cursor leaves it, with the version it was read at; a stale version answers 409 and the
// message says so (the typed text stays on the screen to be copied).
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // The block's text with each figure mark as its token ⟦key⟧.
  function serialise(node) {
    var out = "";
    Array.prototype.forEach.call(node.childNodes, function (child) {
      if (child.nodeType === 3) {
        out += child.nodeValue;
      } else if (child.nodeType === 1 && child.classList.contains("xz-fig")) {
        out += "\u27e6" + child.getAttribute("data-key") + "\u27e7";
      } else if (child.nodeType === 1) {
        out += serialise(child);
      }
    });
    return out.replace(/[\r\n\t]+/g, "");
  }

  function status(block, text, kind) {
    var el = block.parentNode.querySelector(".xz-status");
    if (!el) { return; }
    el.textContent = text;
    el.className = "xz-status small" + (kind ? " xz-status-" + kind : "");
  }

  function figureIn(range, root) {
    var figs = root.querySelectorAll(".xz-fig");
    for (var i = 0; i < figs.length; i++) {
      if (range.intersectsNode(figs[i])) {
        // a caret right after or before a mark touches it without replacing it
        if (range.collapsed && !figs[i].contains(range.startContainer)) { continue; }
        return figs[i];
      }
    }
    return null;
  }

  function save(block) {
    var text = serialise(block);
    if (text === block.getAttribute("data-saved")) { return; }
    status(block, "正在保存…", "");
    fetch(block.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ text: text, version: parseInt(block.getAttribute("data-version"), 10) })
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (r) {
      if (r.status === 200) {
        block.setAttribute("data-version", String(r.data.version));
        block.innerHTML = r.data.html;
        block.setAttribute("data-saved", serialise(block));
        block.classList.add("xz-edited");
        status(block, "已保存", "ok");
      } else {
        status(block, r.data.error || "保存失败。", r.status === 409 ? "conflict" : "error");
      }
    }).catch(function () {
      status(block, "保存失败：无法连接服务器，您的修改还在页面上，请稍后再试。", "error");
    });
  }

  function init() {
    var editor = document.getElementById("xz-editor");
    if (!editor) { return; }
    var message = editor.getAttribute("data-message-figure");
    var blocks = editor.querySelectorAll(".xz-block[contenteditable=true]");
    Array.prototype.forEach.call(blocks, function (block) {
      block.setAttribute("data-saved", serialise(block));
      block.addEventListener("blur", function () { save(block); });
      block.addEventListener("beforeinput", function (event) {
        var type = event.inputType || "";
        if (type === "insertParagraph" || type === "insertLineBreak") {
          event.preventDefault();  // one block is one paragraph: Enter saves it
          block.blur();
          return;
        }
        if (type.indexOf("insert") === 0 || type === "historyUndo" || type === "historyRedo") {
          var ranges = event.getTargetRanges ? event.getTargetRanges() : [];
          var sel = window.getSelection();
          var range = ranges.length ? document.createRange() : (sel.rangeCount ? sel.getRangeAt(0) : null);
          if (ranges.length) {
            range.setStart(ranges[0].startContainer, ranges[0].startOffset);
            range.setEnd(ranges[0].endContainer, ranges[0].endOffset);
          }
          if (range && !range.collapsed && figureIn(range, block)) {
            event.preventDefault();
            status(block, message, "error");
          }
        }
      });
      block.addEventListener("paste", function (event) {
        event.preventDefault();  // plain text only
        var text = (event.clipboardData || window.clipboardData).getData("text/plain") || "";
        document.execCommand("insertText", false, text.replace(/[\r\n\t]+/g, ""));
      });
    });
    editor.addEventListener("click", function (event) {
      var fig = event.target.closest && event.target.closest(".xz-fig");
      if (!fig) { return; }
      event.preventDefault();
      var row = document.getElementById("fig-" + fig.getAttribute("data-key"));
      if (row) {
        row.open = true;
        row.scrollIntoView({ block: "center" });
        var input = row.querySelector("input[name=value]");
        if (input) { input.focus(); }
      }
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.classList.contains("xz-delete") && !window.confirm("确定删除这一段吗？删除记录保存在修改记录中。")) {
        event.preventDefault();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
