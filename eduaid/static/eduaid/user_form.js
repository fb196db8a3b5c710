// New-user form: the paired townships only matter for bureau leaders, so show that field only when
// the role is "leader" (without JavaScript every field simply shows).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-leader-role]");
  if (!form) { return; }
  var role = form.querySelector("select[name=role]");
  var paired = form.querySelector("[data-field=paired_townships]");
  if (!role || !paired) { return; }
  function sync() {
    var leader = role.value === form.dataset.leaderRole;
    paired.hidden = !leader;
    if (!leader) {
      paired.querySelectorAll("option").forEach(function (o) { o.selected = false; });
    }
  }
  role.addEventListener("change", sync);
  sync();
});
