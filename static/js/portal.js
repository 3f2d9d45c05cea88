// Progressive enhancement only: every form works without this file.
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
