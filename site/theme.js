// Applies a remembered theme before the first paint, ignoring anything
// unexpected, and marks the page as having scripts (the header's buttons
// show only then).
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var t = localStorage.getItem("bp-theme");
    if (t === "light" || t === "dark") root.setAttribute("data-theme", t);
  } catch (e) {}
})();
