// Filter every open listing (jobs.json, built beside this page) in the browser. Without JavaScript the
// paginated list below the form works on its own; this script only shows the form and a filtered list.
(function () {
  "use strict";
  var form = document.getElementById("job-filter");
  if (!form || !window.fetch) return;
  var results = document.getElementById("job-results");
  var count = document.getElementById("job-count");
  var pages = document.getElementById("job-pages");
  var SHOWN = 100;
  var jobs = null;
  form.hidden = false;

  function load() {
    if (jobs) return Promise.resolve(jobs);
    return fetch(form.getAttribute("data-jobs-url"))
      .then(function (r) { if (!r.ok) throw new Error("jobs.json: HTTP " + r.status); return r.json(); })
      .then(function (data) { jobs = data; return data; });
  }

  function criteria() {
    var f = form.elements;
    return {
      category: f.category.value, role: f.role.value, seniority: f.seniority.value,
      region: f.region.value, country: f.country.value,
      salary: f.salary.value ? Number(f.salary.value) : null, since: f.since.value
    };
  }

  function matches(job, c) {
    if (c.category && job.category !== c.category) return false;
    if (c.role && job.role !== c.role) return false;
    if (c.seniority && job.seniority !== c.seniority) return false;
    if (c.region && job.regions.indexOf(c.region) < 0) return false;
    if (c.country && job.countries.indexOf(c.country) < 0) return false;
    if (c.salary !== null) {
      var top = job.salary_usd_max !== null ? job.salary_usd_max : job.salary_usd_min;
      if (top === null || top < c.salary) return false;
    }
    if (c.since && (!job.posted || job.posted < c.since)) return false;
    return true;
  }

  function usd(amount) {
    return "$" + Math.round(amount).toLocaleString("en");
  }

  function salary(job) {  // the same words as the server-rendered list
    var low = job.salary_usd_min, high = job.salary_usd_max;
    if (low === null && high === null) return "";
    if (low !== null && high !== null && low !== high) return "stated salary " + usd(low) + "–\u200b" + usd(high) + " USD";
    return "stated salary " + usd(low !== null ? low : high) + " USD";
  }

  function item(job) {
    var li = document.createElement("li");
    var h = document.createElement("h3");
    h.className = "job-title";
    h.textContent = job.title;
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = [job.company || "Unknown company", job.location, job.role, job.posted ? "posted " + job.posted : "",
      salary(job)].filter(Boolean).join(" · ");
    var apply = document.createElement("p");
    apply.className = "apply";
    job.apply.forEach(function (link, i) {
      if (!/^https?:\/\//i.test(link[1])) return;
      if (i) apply.appendChild(document.createTextNode(" · "));
      var a = document.createElement("a");
      a.href = link[1];
      a.rel = "nofollow noopener";
      a.textContent = "Apply at " + link[0];
      apply.appendChild(a);
    });
    li.appendChild(h); li.appendChild(meta); li.appendChild(apply);
    return li;
  }

  function active(c) {
    return Object.keys(c).some(function (k) { return c[k] !== "" && c[k] !== null; });
  }

  function update() {
    var c = criteria();
    if (!active(c)) {
      results.hidden = true; count.hidden = true; pages.hidden = false;
      return;
    }
    load().then(function (all) {
      var found = all.filter(function (job) { return matches(job, c); });
      results.textContent = "";
      found.slice(0, SHOWN).forEach(function (job) { results.appendChild(item(job)); });
      count.textContent = found.length + (found.length === 1 ? " job matches" : " jobs match") +
        (found.length > SHOWN ? " (showing the " + SHOWN + " freshest)" : "");
      results.hidden = false; count.hidden = false; pages.hidden = true;
    }).catch(function (err) {
      count.textContent = "Filtering is unavailable here (" + err.message + "); the list below still works.";
      count.hidden = false;
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  form.addEventListener("reset", function () { setTimeout(update, 0); });
})();
