"""The console's retention page: what the law keeps and until when, whether the worker runs, and
what it destroyed.

One page, ``/console/retention``, for staff the core grants ``retention_status``
(``rights.decide``: the privacy officer; the security auditor reads the access log and nothing
else). It shows, from the functions the REST routes and the CLI call (``yaksok.retention``):

- held records by record kind and month of expiry, with those past their month and not yet
  destroyed and those expiring later, as a table and as a chart of the months' totals
  (``held_by_expiry_month``, ``GET /retention/held-by-month``);
- the worker: each expiry kind's last run, what it destroyed then, its last failure, and the
  last passes (``kinds_last_run`` / ``worker_passes_of``, ``GET /retention/passes``);
- destruction: the records of the last 90 days summed by kind, method and rule, and the last
  records one by one (``destruction_totals``, ``retention_status``; ``GET
  /retention/destructions``, ``GET /retention/status``).

Counts, kinds, times and rules only: a held record's values are never read here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local, period

__all__ = ["TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

TEXTS: dict[str, tuple[str, str]] = {
    "rn_title": ("보존과 파기", "Retention and destruction"),
    "rn_intro": ("법이 보관하게 한 기록이 언제까지 남는지, 파기 작업(worker)이 도는지, 무엇을 "
                 "어떻게 파기했는지 보여 줍니다. 건수와 종류만 보이며 기록의 값은 읽지 않습니다.",
                 "What the law makes us keep and until when, whether the worker runs, and what "
                 "it destroyed and how. Counts and kinds only: no held record's values are "
                 "read here."),
    # held records
    "rn_held": ("만료 월별 보존 기록", "Held records by month of expiry"),
    "rn_held_hint": ("기록마다 종류와 만료 월의 보존 키로 암호화되어 있고, 그 달이 지나면 키를 "
                     "지워 한꺼번에 파기합니다. 월은 UTC 기준입니다.",
                     "Each record is sealed under the hold key of its kind and month of "
                     "expiry; once the month is past the key is deleted, destroying them "
                     "together. Months are in UTC."),
    "rn_months": ("보여 줄 개월 수", "Months shown"),
    "rn_show": ("보기", "Show"),
    "rn_kind": ("기록 종류", "Record kind"),
    "rn_period": ("보존 기간", "Kept for"),
    "rn_overdue": ("기한 지남 (파기 대기)", "Past due (awaiting destruction)"),
    "rn_later": ("이후", "Later"),
    "rn_total": ("합계", "Total"),
    "rn_all_kinds": ("모든 종류", "All kinds"),
    "rn_chart": ("만료 월별 보존 기록 수", "Held records expiring per month"),
    "rn_overdue_warn": ("만료 월이 지났는데 아직 파기되지 않은 기록이 있습니다: {n}건. 파기 "
                        "작업이 돌고 있는지 아래에서 확인하세요.",
                        "{n} held record(s) are past their month of expiry and not yet "
                        "destroyed: check below that the worker runs."),
    # the worker
    "rn_worker": ("파기 작업 (worker)", "The worker"),
    "rn_worker_hint": ("worker는 정해진 주기(YAKSOK_WORKER_SCHEDULE)마다 만료된 항목을 찾아 "
                       "일괄 파기합니다. 각 실행은 실패도 포함해 기록됩니다 (90일 보관).",
                       "The worker destroys whatever expired on its schedule "
                       "(YAKSOK_WORKER_SCHEDULE). Every pass is recorded, failed ones too (kept "
                       "90 days)."),
    "rn_no_pass": ("기록된 실행이 없습니다. `yaksok worker`를 실행하거나(PostgreSQL), SQLite에서는 "
                   "`yaksok serve`가 함께 실행합니다.",
                   "No pass is recorded. Run `yaksok worker` (PostgreSQL); on SQLite "
                   "`yaksok serve` runs it."),
    "rn_expiry_kind": ("파기 대상", "What expires"),
    "rn_method": ("방법", "Method"),
    "rn_rule": ("기준", "Rule"),
    "rn_last_ran": ("마지막 실행", "Last ran"),
    "rn_destroyed_then": ("그때 파기", "Destroyed then"),
    "rn_destroyed_kept": ("기록된 실행에서 파기 합계", "Destroyed over the recorded passes"),
    "rn_last_failure": ("마지막 실패", "Last failure"),
    "rn_never": ("없음", "Never"),
    "rn_passes": ("최근 실행", "Last passes"),
    "rn_started": ("시작", "Started"),
    "rn_finished": ("끝", "Finished"),
    "rn_status": ("결과", "Outcome"),
    "rn_status.done": ("완료", "Done"),
    "rn_status.stopped": ("중단됨 (서버 종료)", "Stopped (server shutting down)"),
    "rn_status.failed": ("실패", "Failed"),
    "rn_destroyed": ("파기", "Destroyed"),
    "rn_purged": ("삭제된 회원 행", "Erased members' rows purged"),
    "rn_failed_in": ("실패한 곳과 오류", "Where and why it failed"),
    # destruction
    "rn_destruction": ("파기 기록", "Destruction records"),
    "rn_totals": ("최근 90일 파기 합계 (종류·방법·기준별)",
                  "Destroyed in the last 90 days, by kind, method and rule"),
    "rn_record_kind": ("기록 종류", "Record kind"),
    "rn_law": ("법적 근거", "Law"),
    "rn_count": ("건수", "Count"),
    "rn_batches": ("일괄 처리 수", "Batches"),
    "rn_last_at": ("마지막", "Last"),
    "rn_no_destruction": ("최근 90일 동안 파기된 것이 없습니다.",
                          "Nothing was destroyed in the last 90 days."),
    "rn_recent": ("최근 파기 기록", "The last destruction records"),
    "rn_at": ("때", "When"),
    "rn_window": ("만료 시점 범위", "Expired between"),
    "rn_method.key deletion": ("키 삭제 (암호학적 파기)", "Key deletion (crypto-shredding)"),
    "rn_method.row delete": ("행 삭제", "Row delete"),
    "rn_method.overwrite": ("덮어쓰기", "Overwrite"),
}
NAV = (NavItem("rn_title", "/console/retention", "retention_status"),)

#: The windows the month picker offers (the core takes 1 to 120).
MONTH_CHOICES = (6, 12, 24, 36)


def _months(c: Console) -> int:
    raw = c.request.query_params.get("months", "12")
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in MONTH_CHOICES:
        raise ValidationError("months is one of " + ", ".join(map(str, MONTH_CHOICES)),
                              field="months", fix="pick a number of months from the list")
    return int(raw)


def _kind_labels(c: Console) -> tuple[dict[str, str], dict[str, str]]:
    """(record kind -> its label in the page's language, -> its retention period in words)."""
    policy = c.yk.policy
    labels = {k.key: k.label.get(c.lang) for k in policy.record_kinds}
    periods = {r.record_kind: period(r.period, c.lang) for r in policy.retention.rules}
    return labels, periods


def _method(c: Console, method: str) -> str:
    key = f"rn_method.{method}"
    return c.text(key) if key in TEXTS else method


def _page(c: Console, months: int) -> Page:
    from yaksok.retention import (
        destruction_totals,
        held_by_expiry_month,
        kinds_last_run,
        retention_status,
        worker_passes_of,
    )
    from yaksok.web.console.charts import bar_chart

    labels, periods = _kind_labels(c)
    table = held_by_expiry_month(c.yk, months=months)
    held = [{"kind": k, "label": labels.get(k, k), "period": periods.get(k, ""),
             "overdue": table.overdue[k], "counts": table.counts[k], "later": table.later[k],
             "total": table.total(k)} for k in table.kinds]
    chart = bar_chart(c.text("rn_chart"), table.months,
                      [(c.text("rn_all_kinds"), table.month_totals)])
    kinds = [{"kind": k.kind, "method": _method(c, k.method), "rule": k.rule,
              "last_ran": local(k.last_ran_at), "destroyed_last": k.destroyed_last,
              "destroyed_kept": k.destroyed_kept, "failed_at": local(k.last_failed_at),
              "error": k.last_error or ""} for k in kinds_last_run(c.yk)]
    passes = [{"started": local(p.started_at), "finished": local(p.finished_at),
               "status": p.status, "destroyed": p.destroyed, "purged": p.purged,
               "failed_kind": p.failed_kind or "", "error": p.error or ""}
              for p in worker_passes_of(c.yk, last=20)]
    totals = [{"kind": t.kind, "record_kind": labels.get(t.record_kind or "", t.record_kind or ""),
               "method": _method(c, t.method), "rule": t.rule, "law": t.law or "",
               "count": t.count, "batches": t.batches, "last": local(t.last_at)}
              for t in destruction_totals(c.yk, days=90)]
    recent = [{"at": local(r["at"]), "kind": r["kind"],
               "record_kind": labels.get(r["record_kind"] or "", r["record_kind"] or ""),
               "count": r["count"], "method": _method(c, r["method"]), "rule": r["rule"],
               "window": " – ".join(local(w) for w in (r["window_from"], r["window_to"]) if w)}
              for r in retention_status(c.yk, last=20)["last_destructions"]]
    overdue = sum(table.overdue.values())
    return Page("console/retention_overview.html.j2", {
        "title_key": "rn_title", "months": list(table.months), "held": held, "chart": chart,
        "month_totals": list(table.month_totals), "months_shown": months,
        "month_choices": MONTH_CHOICES, "overdue": overdue,
        "overdue_warn": c.text("rn_overdue_warn").replace("{n}", str(overdue)),
        "kinds": kinds, "passes": passes, "totals": totals, "recent": recent})


@router.get("/retention")
def overview(request: Request) -> Response:
    """Held records by kind and month of expiry, the worker's passes, the destruction records
    (as ``GET /retention/held-by-month``, ``/retention/passes``, ``/retention/destructions``,
    ``/retention/status``)."""
    c = Console(request)
    c.authorize("retention_status")
    try:
        months = _months(c)
    except YaksokError as exc:
        return c.render(_page(c, 12), error=exc)
    return c.render(_page(c, months))
