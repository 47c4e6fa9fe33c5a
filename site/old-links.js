// Links of the first scheme kept every page in the query of the overview
// (?topic=slug&k=v&step=4, ?sheet, ?drill). Sends such a link on to the page
// it names, keeping the parameters and the fragment, before anything is drawn.
(function () {
  var query = location.search.slice(1);
  if (!query) return;
  var slugs = SLUGS;
  function decode(s) {
    try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch (e) { return s; }
  }
  var topic = null, kind = null, rest = [];
  query.split("&").forEach(function (pair) {
    if (!pair) return;
    var key = decode(pair.split("=")[0]);
    var value = decode(pair.slice(pair.split("=")[0].length + 1));
    if (key === "topic" && topic === null) topic = value.trim();
    else if ((key === "sheet" || key === "drill") && kind === null && topic === null) kind = key;
    else rest.push(pair);
  });
  var target;
  if (topic !== null && topic !== "") {
    target = slugs.indexOf(topic) >= 0
      ? "topics/" + encodeURIComponent(topic) + "/"
      : "not-found/?topic=" + encodeURIComponent(topic);
  } else if (topic === null && kind !== null) {
    target = kind + "/";
  } else {
    return;
  }
  if (rest.length) target += (target.indexOf("?") >= 0 ? "&" : "?") + rest.join("&");
  location.replace(target + location.hash);
})();
