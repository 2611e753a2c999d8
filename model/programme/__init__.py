"""Das Programm: phases, milestones, gate decisions, training modules, rollout."""
