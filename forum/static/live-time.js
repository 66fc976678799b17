// Live sessions: also show each time in the reader's own zone. The page is complete without
// this: the discussion's zone and UTC are always written; this only adds a third line.
(function () {
  "use strict";
  var times = document.querySelectorAll("time[data-local-time]");
  if (!times.length || typeof Intl === "undefined" || !Intl.DateTimeFormat) {
    return;
  }
  var format, zone;
  try {
    format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      year: "numeric",
      month: "long",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short"
    });
    zone = format.resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  Array.prototype.forEach.call(times, function (time) {
    var moment = new Date(time.getAttribute("datetime"));
    if (isNaN(moment.getTime())) {
      return;
    }
    time.textContent = format.format(moment) + (zone ? " (" + zone + ")" : "");
    var item = time.closest(".live-session");
    if (item) {
      Array.prototype.forEach.call(item.querySelectorAll(".local-time"), function (node) {
        node.hidden = false;
      });
    }
  });
})();
