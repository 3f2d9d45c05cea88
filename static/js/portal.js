// Progressive enhancement only: every form works without this file.

// The phone menu: set up at once (this file loads at the end of <body>), so the navigation
// is folded before the first paint. Without JavaScript the button stays hidden (CSS shows it
// only under .menu-ready) and every link is shown.
(function () {
  var bar = document.getElementById("topbar");
  var toggle = document.getElementById("menu-toggle");
  if (!bar || !toggle) { return; }
  var setOpen = function (open) {
    bar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  };
  bar.classList.add("menu-ready");
  toggle.addEventListener("click", function () { setOpen(!bar.classList.contains("open")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
})();

document.addEventListener("DOMContentLoaded", function () {
  if (window.TomSelect) {
    document.querySelectorAll("select.picker").forEach(function (el) {
      new TomSelect(el, {
        plugins: el.multiple ? ["remove_button"] : [],
        maxOptions: 1000,
        placeholder: "输入姓名或单位名称搜索",
        render: { no_results: function () { return '<div class="no-results">没有找到</div>'; } },
      });
    });
  }
  // "Tick all" on the list page.
  var all = document.getElementById("tick-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  // Bulk action: show only the fields the chosen action needs.
  var action = document.getElementById("id_action");
  if (action) {
    var sync = function () {
      document.querySelectorAll("[data-for-action]").forEach(function (el) {
        el.hidden = el.getAttribute("data-for-action") !== action.value;
      });
    };
    action.addEventListener("change", sync);
    sync();
  }
  // Confirm before a destructive or bulk step.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
