// 评分审核 on the target page: the four aspect scores add up as they are typed, the total's grade (below the pass
// mark 差) is shown, and the grading button it calls for is marked. The server decides: it refuses another button.
(function () {
  "use strict";
  var box = document.querySelector("[data-review-scores]");
  if (!box) { return; }
  var form = box.closest("form");
  var inputs = Array.prototype.slice.call(box.querySelectorAll("input[data-review-score]"));
  var totalOut = form.querySelector("[data-review-total]");
  var gradeOut = form.querySelector("[data-review-grade]");
  var pass = parseFloat(box.getAttribute("data-pass"));
  var bands = box.getAttribute("data-bands").split(",").map(parseFloat);  // 优, 良, 中 minimums
  var GRADES = [["grade_excellent", "优"], ["grade_good", "良"], ["grade_fair", "中"], ["grade_poor", "差"]];

  function gradeOf(total) {
    if (total < pass) { return GRADES[3]; }
    for (var i = 0; i < bands.length; i++) { if (total >= bands[i]) { return GRADES[i]; } }
    return GRADES[3];
  }

  function update() {
    var total = 0, complete = true;
    inputs.forEach(function (input) {
      var value = parseFloat(input.value);
      if (isNaN(value)) { complete = false; } else { total += value; }
    });
    var grade = complete ? gradeOf(Math.round(total * 100) / 100) : null;
    totalOut.textContent = complete ? (Math.round(total * 100) / 100).toString() : "—";
    gradeOut.textContent = grade ? "“" + grade[1] + "”" : "—";
    GRADES.forEach(function (g) {
      var button = form.querySelector('button[name="action"][value="' + g[0] + '"]');
      if (!button) { return; }
      var suggested = grade !== null && g[0] === grade[0];
      button.classList.toggle("jx-suggested", suggested);
      if (suggested) { button.setAttribute("data-suggested", ""); } else { button.removeAttribute("data-suggested"); }
    });
  }

  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
