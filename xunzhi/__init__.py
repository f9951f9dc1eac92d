"""巡指 xunzhi: ledgers, figures and evaluation reports for Party learning-education campaigns."""
