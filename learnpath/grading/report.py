"""Machine-readable grade reports: Exercism results.json v3 (plus stages) and JUnit XML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from learnpath.grading.runner import GradeResult

OUTPUT_LIMIT = 500  # Exercism truncates per-test output at 500 characters too


def results_json(result: GradeResult) -> dict[str, Any]:
    """An Exercism results.json v3 document, with ``exercise``, ``stack`` and ``stages`` added.

    ``tests`` are in file order (the order of the grader files and of the checks in them), not
    in the order they ran; ``task_id`` is the 1-based position of the check's stage.
    """
    order = {s.stage: i for i, s in enumerate(result.stages)}
    stage_index = _stage_numbers(result)
    tests = []
    for t in sorted(result.tests, key=lambda t: (t.get("file", ""), t.get("order", 0))):
        output = t.get("output") or ""
        item: dict[str, Any] = {
            "name": t["name"],
            "status": t["status"],
            "message": t["message"] or None,
            "output": output[:OUTPUT_LIMIT] or None,
            "test_code": t.get("test_code", ""),
            "task_id": stage_index.get(t["stage"], order.get(t["stage"], 0) + 1),
            "stage": t["stage"],
            "duration": t.get("duration"),
        }
        if t["status"] in ("fail", "error"):
            item["request"] = (t.get("request") or {}).get("curl")
            item["server_output"] = t.get("logs") or []
            # the requests the failing one depends on (fixtures' setup, earlier in the check)
            item["earlier_requests"] = [r["curl"] for r in t.get("earlier_requests") or []]
        tests.append(item)
    doc: dict[str, Any] = {
        "version": 3,
        "status": result.status,
        "message": result.message or None,
        "exercise": result.exercise,
        "stack": result.stack,
        "stages": [s.to_dict() for s in result.stages],
        "tests": tests,
    }
    if result.status == "error" and result.error_logs:
        doc["server_output"] = result.error_logs
    return doc


def _stage_numbers(result: GradeResult) -> dict[str, int]:
    try:
        from learnpath.content import exercises

        ex = exercises.get(result.exercise)
    except Exception:  # the report must not fail because content changed meanwhile
        return {}
    return {s.id: i + 1 for i, s in enumerate(ex.stages)}


def junit_xml(result: GradeResult) -> str:
    """JUnit XML for CI: one ``testsuite`` per stage that ran, one ``testcase`` per check."""
    import xml.etree.ElementTree as ET

    root = ET.Element(
        "testsuites",
        name=f"learnpath {result.exercise}",
        tests=str(len(result.tests)),
        failures=str(sum(t["status"] == "fail" for t in result.tests)),
        errors=str(sum(t["status"] == "error" for t in result.tests)),
    )
    if result.status == "error" and not result.tests:
        suite = ET.SubElement(root, "testsuite", name=result.exercise, tests="1", errors="1")
        case = ET.SubElement(suite, "testcase", classname=result.exercise, name="grading")
        err = ET.SubElement(case, "error", message=result.message)
        err.text = "\n".join(result.error_logs)
    for st in result.stages:
        cases = [t for t in result.tests if t["stage"] == st.stage]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{result.exercise}.{st.stage}",
            tests=str(len(cases)),
            failures=str(sum(t["status"] == "fail" for t in cases)),
            errors=str(sum(t["status"] == "error" for t in cases)),
            skipped=str(sum(t["status"] == "skip" for t in cases)) if cases else "1",
            time=f"{st.duration:.3f}",
        )
        if not cases:
            case = ET.SubElement(suite, "testcase", classname=st.stage, name=st.stage)
            ET.SubElement(case, "skipped", message="not run: a stage graded before it failed")
        for t in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{result.exercise}.{st.stage}",
                name=t["name"],
                file=t.get("file", ""),
                line=str(t.get("line", 0)),
                time=f"{float(t.get('duration') or 0):.3f}",
            )
            if t["status"] == "skip":
                ET.SubElement(case, "skipped", message=t["message"])
            elif t["status"] != "pass":
                tag = "failure" if t["status"] == "fail" else "error"
                node = ET.SubElement(case, tag, message=t["message"])
                detail = [t["message"]]
                if t.get("request"):
                    detail.append(f"request: {t['request']['curl']}")
                    detail.append(f"response: {t['request']['response']}")
                detail += [f"[your_program] {line}" for line in t.get("logs") or []]
                node.text = "\n".join(detail)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
